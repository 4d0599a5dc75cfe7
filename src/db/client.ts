// One pg pool per broker, shared by Prisma (through the pg adapter) and by the
// few hot paths that talk SQL directly (the recording writer, pg-boss).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Steps a transaction runs last, just before its commit (see `beforeCommit`). */
const lastSteps = new WeakMap<object, (() => Promise<void>)[]>();

/**
 * Runs `step` as the last work of `tx`, after its callback has returned and
 * just before it commits; false if `tx` did not come from `connect` (the caller
 * then does the work at once). The audit chain links its events this way, so
 * its lock is held for the commit only (src/audit/audit-service.ts).
 */
export function beforeCommit(tx: Tx, step: () => Promise<void>): boolean {
  const steps = lastSteps.get(tx);
  steps?.push(step);
  return steps !== undefined;
}

/** Interactive transactions of `prisma` run their `beforeCommit` steps; batches are left alone. */
function withLastSteps(prisma: PrismaClient): void {
  const start = prisma.$transaction.bind(prisma) as (arg: unknown, options?: unknown) => Promise<unknown>;
  const wrapped = (arg: unknown, options?: unknown) => {
    if (typeof arg !== 'function') return start(arg, options);
    return start(async (tx: Tx) => {
      const steps: (() => Promise<void>)[] = [];
      lastSteps.set(tx, steps);
      const result = await (arg as (tx: Tx) => Promise<unknown>)(tx);
      for (let i = 0; i < steps.length; i++) await steps[i]!();
      return result;
    }, options);
  };
  prisma.$transaction = wrapped as PrismaClient['$transaction'];
}

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * A connection lost while checked out from a pool emits 'error' on its client
 * (the pool listens only while it is idle), which would crash the broker; the
 * query in progress rejects as well, and that is where the failure is handled.
 */
export function guardCheckedOut(client: pg.PoolClient): pg.PoolClient {
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', () => {});
  }
  return client;
}

export function connect(databaseUrl: string, max = 10): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // A dropped connection must not crash the broker; queries on it fail instead.
  pool.on('error', () => {});
  // Prisma's 5 s default would abort transactions that queue behind the audit
  // chain's lock under load; these still fail long before anyone waits forever.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 30_000 } });
  withLastSteps(prisma);
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}
