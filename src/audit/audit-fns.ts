// Pure logic of the audit hash chain: each event's hash covers its content and
// the previous event's hash, so an edited, inserted or deleted row breaks the chain.
import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

export interface AuditContent {
  at: Date;
  type: string;
  actorId: string | null;
  actor: string | null;
  subjectType: string | null;
  subjectId: string | null;
  data: unknown;
}

/** JSON with sorted keys, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function eventHash(prevHash: string, e: AuditContent): string {
  const body = canonicalJson({
    at: e.at.toISOString(),
    type: e.type,
    actorId: e.actorId,
    actor: e.actor,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface ChainRow extends AuditContent {
  id: bigint | number | string;
  prevHash: string;
  hash: string;
}

export type ChainCheck = { ok: true; head: string } | { ok: false; head: string; brokenAt: string; problem: string };

/** Walks rows in id order, continuing from `prev`; reports the first break. */
export function checkChain(rows: ChainRow[], prev: string): ChainCheck {
  for (const row of rows) {
    if (row.prevHash !== prev) return { ok: false, head: prev, brokenAt: String(row.id), problem: 'previous hash does not match' };
    if (eventHash(prev, row) !== row.hash) return { ok: false, head: prev, brokenAt: String(row.id), problem: 'content does not match its hash' };
    prev = row.hash;
  }
  return { ok: true, head: prev };
}
