// Durable jobs (grant expiry, request TTL, replacements) in pg-boss, shared by
// every broker replica. Jobs are enqueued inside the caller's transaction.
import PgBoss from 'pg-boss';
import type { Tx } from '../db/client.js';
import { sqlOf } from '../db/sql.js';

export const QUEUES = {
  requestTtl: 'request-ttl',
  grantExpiry: 'grant-expiry',
  replacement: 'replacement',
  notification: 'notification',
  reviewDue: 'review-due',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface EnqueueOptions {
  startAfter?: Date;
  singletonKey?: string;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
}

export class Scheduler {
  private readonly boss: PgBoss;

  constructor(databaseUrl: string, private readonly log: (msg: string) => void) {
    this.boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 4 });
    this.boss.on('error', (err) => log(`scheduler: ${err.message}`));
  }

  async start(): Promise<void> {
    await this.boss.start();
    for (const name of Object.values(QUEUES)) {
      if (!(await this.boss.getQueue(name))) await this.boss.createQueue(name);
    }
  }

  /**
   * pg-boss's schema and our queues, made by the database's owner role (issue 9):
   * the broker's own role may not create tables, so it finds them ready.
   */
  static async install(ownerUrl: string, log: (msg: string) => void): Promise<void> {
    const boss = new PgBoss({ connectionString: ownerUrl, schema: 'pgboss', max: 1, supervise: false });
    boss.on('error', (err) => log(`scheduler install: ${err.message}`));
    await boss.start();
    for (const name of Object.values(QUEUES)) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name);
    }
    await boss.stop({ graceful: false, wait: true });
  }

  async enqueue(tx: Tx, name: QueueName, data: object, opts: EnqueueOptions = {}): Promise<void> {
    // pg-boss wants startAfter as an ISO string ending in Z when it comes through `db`.
    const { startAfter, ...rest } = opts;
    await this.boss.send(name, data, { ...rest, startAfter: startAfter?.toISOString() as never, db: sqlOf(tx) });
  }

  async work<T extends object>(name: QueueName, handler: (data: T, job: { id: string; retryCount: number }) => Promise<void>): Promise<void> {
    await this.boss.work<T>(name, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
      if (job) await handler(job.data, { id: job.id, retryCount: (job as { retryCount?: number }).retryCount ?? 0 });
    });
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 5000 }).catch((err: Error) => this.log(`scheduler stop: ${err.message}`));
  }
}
