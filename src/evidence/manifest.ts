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

interface ManifestFacts {
  id: string;
  broker_id: string;
  started_at: Date;
  username: string;
  host_id: string;
  host_name: string;
  environment: string;
  instance: number;
  request_id: string;
  reason: string;
  ticket: string | null;
  approved_at: Date | null;
  expires_at: Date | null;
  approvers: string[];
  last_seq: number | null;
  first_hash: Uint8Array | null;
  last_hash: Uint8Array | null;
}

export async function sealSession(tx: Tx, key: SigningKey, sessionId: string, end: SessionEndFacts): Promise<string> {
  // One round trip for every fact (the end transaction is on the hot path of every session end).
  const [f] = await tx.$queryRaw<ManifestFacts[]>`
    SELECT s.id, s.broker_id, s.started_at, u.username, h.id AS host_id, h.name AS host_name, h.environment, h.instance,
      r.id AS request_id, r.reason, r.ticket, r.approved_at, r.expires_at,
      ARRAY(SELECT au.username FROM approvals a JOIN users au ON au.id = a.approver_id
            WHERE a.request_id = r.id AND a.decision = 'approve' ORDER BY a.created_at, au.username) AS approvers,
      l.seq AS last_seq, fc.hash AS first_hash, l.hash AS last_hash
    FROM sessions s JOIN users u ON u.id = s.user_id JOIN hosts h ON h.id = s.host_id JOIN access_requests r ON r.id = s.request_id
    LEFT JOIN LATERAL (SELECT hash FROM recording_chunks WHERE session_id = s.id AND seq = 0) fc ON true
    LEFT JOIN LATERAL (SELECT seq, hash FROM recording_chunks WHERE session_id = s.id ORDER BY seq DESC LIMIT 1) l ON true
    WHERE s.id = ${sessionId}::uuid`;
  if (!f) throw new Error(`session ${sessionId} not found`);
  const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
  const manifest = {
    format: MANIFEST_FORMAT,
    session: f.id,
    request: {
      id: f.request_id,
      reason: f.reason,
      ticket: f.ticket,
      approvedAt: f.approved_at?.toISOString() ?? null,
      expiresAt: f.expires_at?.toISOString() ?? null,
    },
    user: f.username,
    host: { id: f.host_id, name: f.host_name, environment: f.environment, instance: f.instance },
    approvers: f.approvers,
    broker: f.broker_id,
    startedAt: f.started_at.toISOString(),
    endedAt: end.endedAt.toISOString(),
    endReason: end.reason,
    chunks: f.last_seq === null ? 0 : f.last_seq + 1,
    bytesIn: end.bytesIn,
    bytesOut: end.bytesOut,
    firstChunkHash: hex(f.first_hash),
    lastChunkHash: hex(f.last_hash),
  };
  const text = manifestText(manifest);
  const hash = sha256Hex(text);
  await tx.$executeRaw`INSERT INTO session_manifests (session_id, manifest, hash, signature, key_fingerprint)
    VALUES (${sessionId}::uuid, ${text}, ${hash}, ${key.sign(NAMESPACES.recording, text)}, ${key.fingerprint})`;
  return hash;
}
