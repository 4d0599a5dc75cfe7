// The recording's last event, written by whoever ends the session, inside the
// end's transaction (the session row is locked FOR UPDATE, so no chunk of the
// owner can commit in between, and none is accepted afterwards): it continues
// the hash chain from the last committed chunk and names the agreed reason.
import type { Tx } from '../db/client.js';
import { CHAIN_START, chunkHash } from './recording-fns.js';

export async function appendLastEvent(tx: Tx, sessionId: string, startedAt: Date, data: Buffer): Promise<void> {
  const [last] = await tx.$queryRaw<{ seq: number; at_ms: number; hash: Uint8Array }[]>`
    SELECT seq, at_ms, hash FROM recording_chunks WHERE session_id = ${sessionId}::uuid ORDER BY seq DESC LIMIT 1`;
  const seq = last ? last.seq + 1 : 0;
  const atMs = Math.max(last?.at_ms ?? 0, Date.now() - startedAt.getTime());
  const hash = chunkHash(last ? Buffer.from(last.hash) : CHAIN_START, seq, atMs, 'm', data);
  await tx.$executeRaw`INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash)
    VALUES (${sessionId}::uuid, ${seq}, ${atMs}, 'm', ${data}, ${hash})`;
}
