// Pure logic of recordings: the per-session chunk hash chain and asciicast v2 lines.
import { createHash } from 'node:crypto';

/** o: output to the user, i: input from the user, r: resize "COLSxROWS", m: marker (notices, start, end). */
export type ChunkKind = 'o' | 'i' | 'r' | 'm';

export interface ChunkRow {
  sessionId: string;
  seq: number;
  atMs: number;
  kind: ChunkKind;
  data: Buffer;
  hash: Buffer;
}

export const CHAIN_START = Buffer.alloc(32);

export function chunkHash(prev: Buffer, seq: number, atMs: number, kind: ChunkKind, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32BE(seq, 0);
  head.writeUInt32BE(atMs, 4);
  head.write(kind, 8, 'latin1');
  return createHash('sha256').update(prev).update(head).update(data).digest();
}

/** Checks a session's chunks in seq order, continuing from `prev`. */
export function checkChunks(
  rows: Omit<ChunkRow, 'sessionId'>[],
  prev: Buffer,
  nextSeq: number,
): { ok: boolean; prev: Buffer; nextSeq: number; brokenAt?: number } {
  for (const row of rows) {
    if (row.seq !== nextSeq || !chunkHash(prev, row.seq, row.atMs, row.kind, row.data).equals(row.hash)) {
      return { ok: false, prev, nextSeq, brokenAt: row.seq };
    }
    prev = row.hash;
    nextSeq++;
  }
  return { ok: true, prev, nextSeq };
}

export interface CastHeader {
  width: number;
  height: number;
  startedAt: Date;
  title: string;
}

export function castHeader(h: CastHeader): string {
  return (
    JSON.stringify({
      version: 2,
      width: h.width,
      height: h.height,
      timestamp: Math.floor(h.startedAt.getTime() / 1000),
      title: h.title,
      env: { TERM: 'xterm-256color' },
    }) + '\n'
  );
}

/**
 * Turns chunks into asciicast event lines. Terminal bytes are decoded as a UTF-8
 * stream per direction, so a character split across two chunks stays whole.
 */
export class CastEncoder {
  private readonly out = new TextDecoder('utf-8');
  private readonly in = new TextDecoder('utf-8');

  line(row: { atMs: number; kind: ChunkKind; data: Buffer }): string {
    const t = Number((row.atMs / 1000).toFixed(3));
    let text: string;
    if (row.kind === 'o') text = this.out.decode(row.data, { stream: true });
    else if (row.kind === 'i') text = this.in.decode(row.data, { stream: true });
    else text = row.data.toString('utf8');
    if (text === '') return '';
    return JSON.stringify([t, row.kind, text]) + '\n';
  }
}
