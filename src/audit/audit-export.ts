// The audit list's filter (newest first or oldest first, by type, actor,
// subject and time) and its CSV form, for auditors who take the trail elsewhere.
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { AuditQuery } from './audit-service.js';

export const EXPORT_LIMIT = 100_000;
const Id = Type.String({ pattern: '^[0-9]{1,18}$' });

export const AuditFilter = Type.Object(
  {
    after: Type.Optional(Id),
    before: Type.Optional(Id),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 64 })),
    subjectId: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  { additionalProperties: false },
);

export function auditQuery(q: Static<typeof AuditFilter>, maxLimit: number): AuditQuery {
  const big = (v: string | undefined) => (v === undefined ? undefined : BigInt(v));
  const date = (v: string | undefined) => (v === undefined ? undefined : new Date(v));
  return {
    after: big(q.after),
    before: big(q.before),
    type: q.type || undefined,
    actor: q.actor || undefined,
    subjectId: q.subjectId || undefined,
    from: date(q.from),
    to: date(q.to),
    order: q.order,
    limit: Math.min(Math.max(Number(q.limit ?? 100), 1), maxLimit),
  };
}

interface ExportedEvent {
  id: string;
  at: string;
  type: string;
  actor: string | null;
  actorId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula is prefixed with a quote. */
export function auditCsv(events: ExportedEvent[]): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = ['id', 'at', 'type', 'actor', 'actor_id', 'subject_type', 'subject_id', 'data', 'prev_hash', 'hash'];
  const rows = events.map((e) => [e.id, e.at, e.type, e.actor, e.actorId, e.subjectType, e.subjectId, e.data, e.prevHash, e.hash].map(cell).join(','));
  return [head.join(','), ...rows].join('\r\n') + '\r\n';
}
