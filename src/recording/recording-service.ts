// Reading recordings back: asciicast v2 export, streamed in pages so a large
// recording never sits whole in memory, a time range of it (the player's seek),
// and the check of a session's chunk chain.
import { Readable } from 'node:stream';
import type { PrismaClient } from '../db/client.js';
import { CastEncoder, castHeader, CHAIN_START, checkChunks, type ChunkKind } from './recording-fns.js';

const PAGE = 500;

export interface CastSession {
  id: string;
  cols: number;
  rows: number;
  startedAt: Date;
  title: string;
}

export function recordingService(prisma: PrismaClient) {
  async function* pages(sessionId: string) {
    let after = -1;
    for (;;) {
      const rows = await prisma.recordingChunk.findMany({
        where: { sessionId, seq: { gt: after } },
        orderBy: { seq: 'asc' },
        take: PAGE,
        select: { seq: true, atMs: true, kind: true, data: true, hash: true },
      });
      if (rows.length === 0) return;
      yield rows.map((r) => ({ ...r, kind: r.kind as ChunkKind, data: Buffer.from(r.data), hash: Buffer.from(r.hash) }));
      after = rows[rows.length - 1]!.seq;
    }
  }

  /**
   * The chunks with fromMs <= at_ms < toMs, in seq order, in pages: the
   * (session_id, at_ms) index finds them, so a seek costs the range, not the
   * recording. (Filtering on time and ordering by seq stays right even if the
   * clock stepped back during the session.)
   */
  async function* rangePages(sessionId: string, fromMs: number, toMs: number) {
    let after = -1;
    for (;;) {
      const rows = await prisma.$queryRaw<{ seq: number; at_ms: number; kind: string; data: Uint8Array }[]>`
        SELECT seq, at_ms, kind, data FROM recording_chunks
        WHERE session_id = ${sessionId}::uuid AND at_ms >= ${fromMs} AND at_ms < ${toMs} AND seq > ${after}
        ORDER BY seq LIMIT ${PAGE}`;
      if (rows.length === 0) return;
      yield rows.map((r) => ({ atMs: r.at_ms, kind: r.kind as ChunkKind, data: Buffer.from(r.data) }));
      after = rows[rows.length - 1]!.seq;
    }
  }

  function castStream(session: CastSession, chunks: AsyncIterable<{ atMs: number; kind: ChunkKind; data: Buffer }[]>): Readable {
    async function* lines() {
      yield castHeader({ width: session.cols, height: session.rows, startedAt: session.startedAt, title: session.title });
      const encoder = new CastEncoder();
      for await (const page of chunks) {
        yield page.map((row) => encoder.line(row)).join('');
      }
    }
    return Readable.from(lines());
  }

  return {
    /** Every chunk as stored (hash included), in seq order, in pages: the exact export and evidence checks. */
    chunkPages: pages,

    cast(session: CastSession): Readable {
      return castStream(session, pages(session.id));
    },

    /**
     * The header and the events with from <= t < to (seconds since the start),
     * times unchanged. Terminal state before `from` is not included: a player
     * seeking there replays from an earlier point or from the start.
     */
    castRange(session: CastSession, fromSeconds: number, toSeconds: number): Readable {
      const toMs = Math.min(Math.round(toSeconds * 1000), 2 ** 31 - 1);
      return castStream(session, rangePages(session.id, Math.round(fromSeconds * 1000), toMs));
    },

    /** Raw recorded bytes of one direction, in order (tests and integrity checks). */
    async bytes(sessionId: string, kind: ChunkKind): Promise<Buffer> {
      const parts: Buffer[] = [];
      for await (const page of pages(sessionId)) for (const r of page) if (r.kind === kind) parts.push(r.data);
      return Buffer.concat(parts);
    },

    async verify(sessionId: string): Promise<{ ok: boolean; chunks: number; head: string; brokenAt?: number }> {
      let state = { ok: true, prev: CHAIN_START, nextSeq: 0 } as ReturnType<typeof checkChunks>;
      for await (const page of pages(sessionId)) {
        state = checkChunks(page, state.prev, state.nextSeq);
        if (!state.ok) break;
      }
      return { ok: state.ok, chunks: state.nextSeq, head: state.prev.toString('hex'), brokenAt: state.brokenAt };
    },
  };
}

export type RecordingService = ReturnType<typeof recordingService>;
