// One pg pool per broker, shared by Prisma (through the pg adapter) and by the
// few hot paths that talk SQL directly (the recording writer, pg-boss).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function connect(databaseUrl: string, max = 10): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // A dropped connection must not crash the broker; queries on it fail instead.
  pool.on('error', () => {});
  // Prisma's 5 s default would abort transactions that queue behind the audit
  // chain's lock under load; these still fail long before anyone waits forever.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 30_000 } });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}
