// Reading recordings back: asciicast v2 export, streamed in pages so a large
// recording never sits whole in memory, and the check of a session's chunk chain.
import { Readable } from 'node:stream';
import type { PrismaClient } from '../db/client.js';
import { CastEncoder, castHeader, CHAIN_START, checkChunks, type ChunkKind } from './recording-fns.js';

const PAGE = 500;

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

  return {
    cast(session: { id: string; cols: number; rows: number; startedAt: Date; title: string }): Readable {
      async function* lines() {
        yield castHeader({ width: session.cols, height: session.rows, startedAt: session.startedAt, title: session.title });
        const encoder = new CastEncoder();
        for await (const page of pages(session.id)) {
          yield page.map((row) => encoder.line(row)).join('');
        }
      }
      return Readable.from(lines());
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
