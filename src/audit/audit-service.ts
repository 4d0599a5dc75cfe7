// The audit trail: append-only (enforced by triggers), hash-chained, and always
// written inside the transaction of the state change it describes.
import { beforeCommit, type PrismaClient, type Tx } from '../db/client.js';
import { checkChain, eventHash, GENESIS, type ChainRow } from './audit-fns.js';

const CHAIN_LOCK = 72707370; // serialises appends so the chain stays linear

export interface Actor {
  id: string;
  username: string;
}

export interface AuditInput {
  type: string;
  actor?: Actor | null;
  subjectType?: string;
  subjectId?: string;
  data?: Record<string, unknown>;
}

/** Events waiting for their transaction's last step, in the order they were appended. */
const queued = new WeakMap<Tx, AuditInput[]>();

/**
 * Appends an event to the chain as part of `tx`. The link to the chain (its
 * lock, the head's hash, the insert) is made as the transaction's very last
 * step, just before it commits (see `beforeCommit`): the rest of the
 * transaction runs in parallel with others, and the chain's order is still
 * their commit order. A transaction that did not come from `connect` links at once.
 */
export async function appendAudit(tx: Tx, input: AuditInput): Promise<void> {
  const waiting = queued.get(tx);
  if (waiting) {
    waiting.push(input);
    return;
  }
  const events = [input];
  if (beforeCommit(tx, () => link(tx, events))) queued.set(tx, events);
  else await link(tx, events);
}

/** Under the chain's lock (held until commit): each event's hash covers the previous one's. */
async function link(tx: Tx, events: AuditInput[]): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHAIN_LOCK}::bigint)`;
  // A statement of its own: its snapshot is taken after the lock, so it sees the last committed head.
  const last = await tx.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
  let prevHash = last?.hash ?? GENESIS;
  const at = new Date();
  const rows = events.map((input) => {
    const content = {
      at,
      type: input.type,
      actorId: input.actor?.id ?? null,
      actor: input.actor?.username ?? null,
      subjectType: input.subjectType ?? null,
      subjectId: input.subjectId ?? null,
      // Stored as JSONB: hash exactly what will be read back (Dates become strings).
      data: JSON.parse(JSON.stringify(input.data ?? {})) as unknown,
    };
    const hash = eventHash(prevHash, content);
    const row = { ...content, data: content.data as object, prevHash, hash };
    prevHash = hash;
    return row;
  });
  // One statement: its rows take their ids in the order listed, which is the chain's.
  await tx.auditEvent.createMany({ data: rows });
}

export interface AuditQuery {
  after?: bigint;
  /** With order "desc": events older than this id (the next page back). */
  before?: bigint;
  type?: string;
  /** Username of the actor. */
  actor?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
  order?: 'asc' | 'desc';
  limit: number;
}

export function auditService(prisma: PrismaClient) {
  return {
    async list(q: AuditQuery) {
      const rows = await prisma.auditEvent.findMany({
        where: {
          id: q.after !== undefined || q.before !== undefined ? { gt: q.after, lt: q.before } : undefined,
          type: q.type,
          actor: q.actor,
          subjectId: q.subjectId,
          at: q.from || q.to ? { gte: q.from, lt: q.to } : undefined,
        },
        orderBy: { id: q.order ?? 'asc' },
        take: q.limit,
      });
      return rows.map((r) => ({ ...r, id: r.id.toString(), at: r.at.toISOString() }));
    },

    /** Walks the whole chain in pages, so memory stays flat however long it is. */
    async verify() {
      let prev = GENESIS;
      let after = 0n;
      let count = 0;
      for (;;) {
        const rows = await prisma.auditEvent.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: 1000 });
        if (rows.length === 0) return { ok: true as const, count, head: prev };
        const check = checkChain(rows as ChainRow[], prev);
        if (!check.ok) return { ok: false as const, count, head: check.head, brokenAt: check.brokenAt, problem: check.problem };
        count += rows.length;
        prev = check.head;
        after = rows[rows.length - 1]!.id;
      }
    },
  };
}
