// Recording chunks in PostgreSQL's binary COPY format ("COPY ... FROM STDIN
// (FORMAT binary)", PostgreSQL docs "COPY", File Formats > Binary Format):
// an 11-byte signature, two int32 header fields, then per row an int16 field
// count and each field as an int32 length and its bytes (network order), and an
// int16 -1 trailer. The server parses no SQL and no parameters per row, and the
// bytes go in as they are (uuid as its 16 bytes, int4 as 4, char(1) and bytea
// raw). Row triggers run as for INSERT (recording_chunks_not_after_end).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ChunkRow } from './recording-fns.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// A row's fixed part: field count, uuid (4+16), seq (4+4), at_ms (4+4), kind (4+1), and the two length words of data and hash.
const FIXED = 2 + 20 + 8 + 8 + 5 + 4 + 4;

/** The whole COPY payload of `rows`: header, rows (the chunk data copied once), trailer. */
export function copyPayload(rows: ChunkRow[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const r of rows) size += FIXED + r.data.length + r.hash.length;
  const out = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at); // flags
  at = out.writeInt32BE(0, at); // header extension length
  for (const r of rows) {
    at = out.writeInt16BE(6, at);
    at = out.writeInt32BE(16, at);
    at += out.write(r.sessionId.replaceAll('-', ''), at, 16, 'hex');
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(r.seq, at);
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(r.atMs, at);
    at = out.writeInt32BE(1, at);
    at += out.write(r.kind, at, 1, 'latin1');
    at = out.writeInt32BE(r.data.length, at);
    at += r.data.copy(out, at);
    at = out.writeInt32BE(r.hash.length, at);
    at += r.hash.copy(out, at);
  }
  out.writeInt16BE(-1, at);
  return out;
}

/** COPYs `rows` into `table` on `client` (inside the caller's transaction, if any). */
export async function copyRows(client: pg.PoolClient | pg.Client, rows: ChunkRow[], table = 'recording_chunks'): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (session_id, seq, at_ms, kind, data, hash) FROM STDIN (FORMAT binary)`));
  await pipeline(Readable.from([copyPayload(rows)]), stream);
}
