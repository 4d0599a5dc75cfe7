// Durable jobs (grant expiry, request TTL, replacements) in pg-boss, shared by
// every broker replica. Jobs are enqueued inside the caller's transaction.
import PgBoss from 'pg-boss';
import './pg-boss-completion.js';
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

/** What each queue's jobs carry: one type for whoever enqueues and whoever works them. */
export interface JobPayloads {
  'request-ttl': { requestId: string };
  'grant-expiry': { requestId: string };
  replacement: { replacementId: string };
  notification: { deliveryId: string };
  'review-due': { requestId: string };
}

export type JobHandler<Q extends QueueName> = (data: JobPayloads[Q], job: { id: string; retryCount: number }) => Promise<unknown>;
/** Handlers of some queues, as a service module declares them beside itself. */
export type JobHandlers = { [Q in QueueName]?: JobHandler<Q> };

export interface EnqueueOptions {
  startAfter?: Date;
  singletonKey?: string;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
}

/**
 * How each queue is worked. pg-boss 10 has no LISTEN: a worker polls, takes up
 * to `batchSize` jobs, and polls again only after the whole batch and the rest
 * of the polling interval (0.5 s at least). One job per poll drained 100
 * replacements in 26 s; batches run concurrently (each job failing or
 * succeeding on its own), several workers per queue so a slow batch does not
 * hold the next, and a nudge (see `nudge`) when a change feed message says a
 * job is waiting. Timed jobs (TTL, expiry) are then at most one interval late.
 */
export interface QueueTuning {
  workers: number;
  batchSize: number;
  pollingIntervalSeconds: number;
}
export type SchedulerTuning = Record<QueueName, QueueTuning>;

export const TUNED: SchedulerTuning = {
  [QUEUES.requestTtl]: { workers: 1, batchSize: 50, pollingIntervalSeconds: 0.5 },
  [QUEUES.grantExpiry]: { workers: 1, batchSize: 50, pollingIntervalSeconds: 0.5 },
  [QUEUES.replacement]: { workers: 2, batchSize: 25, pollingIntervalSeconds: 0.5 },
  [QUEUES.notification]: { workers: 2, batchSize: 10, pollingIntervalSeconds: 0.5 },
  [QUEUES.reviewDue]: { workers: 1, batchSize: 50, pollingIntervalSeconds: 0.5 },
};

/** What breakglass used before: one job per 0.5 s poll (the benchmark's reference). */
export const ONE_JOB_PER_POLL: SchedulerTuning = {
  [QUEUES.requestTtl]: { workers: 1, batchSize: 1, pollingIntervalSeconds: 0.5 },
  [QUEUES.grantExpiry]: { workers: 1, batchSize: 1, pollingIntervalSeconds: 0.5 },
  [QUEUES.replacement]: { workers: 1, batchSize: 1, pollingIntervalSeconds: 0.5 },
  [QUEUES.notification]: { workers: 1, batchSize: 1, pollingIntervalSeconds: 0.5 },
  [QUEUES.reviewDue]: { workers: 1, batchSize: 1, pollingIntervalSeconds: 0.5 },
};

export class Scheduler {
  private readonly boss: PgBoss;
  private readonly workerIds = new Map<QueueName, string[]>();

  constructor(
    databaseUrl: string,
    private readonly log: (msg: string) => void,
    private readonly tuning: SchedulerTuning = TUNED,
  ) {
    this.boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', max: 6 });
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

  async enqueue<Q extends QueueName>(tx: Tx, name: Q, data: JobPayloads[Q], opts: EnqueueOptions = {}): Promise<void> {
    // pg-boss wants startAfter as an ISO string ending in Z when it comes through `db`.
    const { startAfter, ...rest } = opts;
    await this.boss.send(name, data, { ...rest, startAfter: startAfter?.toISOString() as never, db: sqlOf(tx) });
  }

  /** Works every queue named in `handlers` (each service module says which it handles). */
  async workAll(handlers: JobHandlers): Promise<void> {
    for (const [name, handler] of Object.entries(handlers) as [QueueName, JobHandler<QueueName>][]) await this.work(name, handler);
  }

  async work<Q extends QueueName>(name: Q, handler: JobHandler<Q>): Promise<void> {
    type T = JobPayloads[Q];
    const { workers, batchSize, pollingIntervalSeconds } = this.tuning[name];
    const ids: string[] = [];
    for (let i = 0; i < workers; i++) {
      ids.push(
        await this.boss.work<T>(name, { pollingIntervalSeconds, batchSize }, async (jobs) => {
          // Each job fails alone (retried by pg-boss); the batch resolves, which completes the rest.
          await Promise.all(
            jobs.map(async (job) => {
              try {
                await handler(job.data, { id: job.id, retryCount: (job as { retryCount?: number }).retryCount ?? 0 });
              } catch (err) {
                // Never rethrown: pg-boss would fail the whole batch, without awaiting it (an unhandled rejection).
                await this.boss
                  .fail(name, job.id, { message: (err as Error).message })
                  .catch((e: Error) => this.log(`scheduler: could not mark job ${job.id} of ${name} failed (it expires and is retried): ${e.message}`));
              }
            }),
          );
        }),
      );
    }
    this.workerIds.set(name, ids);
  }

  /** A job of `name` is ready now (heard on the change feed): this replica's workers poll at once. */
  nudge(name: QueueName): void {
    for (const id of this.workerIds.get(name) ?? []) this.boss.notifyWorker(id);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 5000 }).catch((err: Error) => this.log(`scheduler stop: ${err.message}`));
  }
}
