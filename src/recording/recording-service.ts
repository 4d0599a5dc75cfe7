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
  async function* pages(sessionId: string, seqs: { first: number; last: number } = { first: 0, last: 2 ** 31 - 1 }) {
    let after = seqs.first - 1;
    for (;;) {
      const rows = await prisma.recordingChunk.findMany({
        where: { sessionId, seq: { gt: after, lte: seqs.last } },
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
   * The seq range of the chunks with fromMs <= at_ms < toMs, found through the
   * (session_id, at_ms) index: at_ms never decreases along seq, so the range is
   * contiguous and is then read through the primary key, never scanned.
   */
  async function seqRange(sessionId: string, fromMs: number, toMs: number): Promise<{ first: number; last: number } | undefined> {
    const [first] = await prisma.$queryRaw<{ seq: number }[]>`
      SELECT seq FROM recording_chunks WHERE session_id = ${sessionId}::uuid AND at_ms >= ${fromMs} AND at_ms < ${toMs}
      ORDER BY at_ms, seq LIMIT 1`;
    if (!first) return undefined;
    const [last] = await prisma.$queryRaw<{ seq: number }[]>`
      SELECT seq FROM recording_chunks WHERE session_id = ${sessionId}::uuid AND at_ms >= ${fromMs} AND at_ms < ${toMs}
      ORDER BY at_ms DESC, seq DESC LIMIT 1`;
    return { first: first.seq, last: last!.seq };
  }

  function castStream(session: CastSession, seqs: () => Promise<{ first: number; last: number } | undefined>): Readable {
    async function* lines() {
      yield castHeader({ width: session.cols, height: session.rows, startedAt: session.startedAt, title: session.title });
      const range = await seqs();
      if (!range) return;
      const encoder = new CastEncoder();
      for await (const page of pages(session.id, range)) {
        yield page.map((row) => encoder.line(row)).join('');
      }
    }
    return Readable.from(lines());
  }

  return {
    cast(session: CastSession): Readable {
      return castStream(session, async () => ({ first: 0, last: 2 ** 31 - 1 }));
    },

    /**
     * The header and the events with from <= t < to (seconds since the start),
     * times unchanged. Terminal state before `from` is not included: a player
     * seeking there replays from an earlier point or from the start.
     */
    castRange(session: CastSession, fromSeconds: number, toSeconds: number): Readable {
      const toMs = Math.min(Math.round(toSeconds * 1000), 2 ** 31 - 1);
      return castStream(session, () => seqRange(session.id, Math.round(fromSeconds * 1000), toMs));
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
