// A session's signed manifest: what the recording must be (chunk count, first
// and last chunk hash, bytes each way) and whose session it was, signed with
// the evidence key (outside Postgres).
//
// Written INSIDE the transaction that ends the session, beside its end audit
// event (which carries the manifest's hash): the end, the manifest and its
// signature become durable together or not at all, so no crash can leave an
// ended session without one, and nothing has to find and sign it later. This is
// affordable because signing is in-process ed25519 (tens of microseconds, see
// sshsig-fns.ts): spawning ssh-keygen here would hold the audit chain's lock
// for milliseconds per session end. The chunk figures come from two lookups on
// the recording's primary key, so the cost does not grow with the recording.
import { createHash } from 'node:crypto';
import type { Tx } from '../db/client.js';
import { canonicalJson } from '../audit/audit-fns.js';
import { NAMESPACES, type SigningKey } from './signing-key.js';

export const MANIFEST_FORMAT = 'breakglass-session-manifest/1';

export interface SessionEndFacts {
  endedAt: Date;
  reason: string;
  bytesIn: number;
  bytesOut: number;
}

/** The exact bytes that are hashed and signed: canonical JSON (sorted keys) and a newline. */
export function manifestText(manifest: object): string {
  return canonicalJson(manifest) + '\n';
}

export const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export async function sealSession(tx: Tx, key: SigningKey, sessionId: string, end: SessionEndFacts): Promise<string> {
  const s = await tx.session.findUniqueOrThrow({
    where: { id: sessionId },
    include: {
      user: { select: { username: true } },
      host: { select: { id: true, name: true, environment: true, instance: true } },
      request: { select: { id: true, reason: true, ticket: true, approvedAt: true, expiresAt: true, approvals: { where: { decision: 'approve' }, orderBy: { createdAt: 'asc' }, select: { approver: { select: { username: true } } } } } },
    },
  });
  const [edge] = await tx.$queryRaw<{ last_seq: number | null; first_hash: Uint8Array | null; last_hash: Uint8Array | null }[]>`
    SELECT l.seq AS last_seq, f.hash AS first_hash, l.hash AS last_hash
    FROM (SELECT 1) x
    LEFT JOIN LATERAL (SELECT hash FROM recording_chunks WHERE session_id = ${sessionId}::uuid AND seq = 0) f ON true
    LEFT JOIN LATERAL (SELECT seq, hash FROM recording_chunks WHERE session_id = ${sessionId}::uuid ORDER BY seq DESC LIMIT 1) l ON true`;
  const hex = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('hex') : null);
  const manifest = {
    format: MANIFEST_FORMAT,
    session: s.id,
    request: { id: s.request.id, reason: s.request.reason, ticket: s.request.ticket, approvedAt: s.request.approvedAt?.toISOString() ?? null, expiresAt: s.request.expiresAt?.toISOString() ?? null },
    user: s.user.username,
    host: { id: s.host.id, name: s.host.name, environment: s.host.environment, instance: s.host.instance },
    approvers: s.request.approvals.map((a) => a.approver.username),
    broker: s.brokerId,
    startedAt: s.startedAt.toISOString(),
    endedAt: end.endedAt.toISOString(),
    endReason: end.reason,
    chunks: edge?.last_seq == null ? 0 : edge.last_seq + 1,
    bytesIn: end.bytesIn,
    bytesOut: end.bytesOut,
    firstChunkHash: hex(edge?.first_hash),
    lastChunkHash: hex(edge?.last_hash),
  };
  const text = manifestText(manifest);
  const hash = sha256Hex(text);
  await tx.sessionManifest.create({
    data: { sessionId, manifest: text, hash, signature: key.sign(NAMESPACES.recording, text), keyFingerprint: key.fingerprint },
  });
  return hash;
}
