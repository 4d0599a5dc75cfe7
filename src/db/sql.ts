// The one shape in which raw SQL runs inside a Prisma transaction: used by the
// audit chain and handed to pg-boss (its `db` option) so that a job is enqueued
// in the same transaction as the state change that needs it.
import type { Tx } from './client.js';

export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

export function sqlOf(tx: Tx): SqlExecutor {
  return {
    async executeSql(text, values = []) {
      const rows = await tx.$queryRawUnsafe<any[]>(text, ...values);
      return { rows };
    },
  };
}
