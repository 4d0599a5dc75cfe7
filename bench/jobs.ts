// Jobs keep up (issue 10): two broker replicas on one Postgres, each with
// pg-boss tuned as in src/scheduler/scheduler.ts (TUNED), against the same two
// replicas with the old settings (one job per 0.5 s poll), in the same run.
//   1. 100 sessions of a replica whose lease expired are ended by the other
//      replica; their 100 replacements (local-image: a fast provider) must all
//      have finished within 5 s of the last session's end.
//   2. 100 request-TTL jobs due over one second: how late each ran (p50/p99),
//      to be within 1 s at p99.
// Run: npx tsx bench/jobs.ts   (uses TEST_DATABASE_URL if set, else an embedded Postgres)
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startBroker, type Broker } from '../src/broker.js';
import { loadConfig } from '../src/config.js';
import { ONE_JOB_PER_POLL, QUEUES, TUNED, type SchedulerTuning } from '../src/scheduler/scheduler.js';
import { startPostgres, type Postgres } from './setup.js';
import { log, percentile, row, table, type Row } from './stats.js';

const N = 100;

async function replicas(pgs: Postgres, jobs: SchedulerTuning) {
  const databaseUrl = await pgs.database();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'breakglass-bench-jobs-'));
  chmodSync(dataDir, 0o711);
  const start = (id: string) =>
    startBroker(
      loadConfig({
        DATABASE_URL: databaseUrl,
        BREAKGLASS_DATA_DIR: dataDir,
        BREAKGLASS_DEMO: '1',
        BREAKGLASS_BROKER_ID: id,
        BREAKGLASS_TOKEN_SECRET: 'bench-jobs-secret-bench-jobs-secret-000',
        BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS: '1',
      }),
      () => {},
      { jobs },
    );
  const a = await start('bench-a');
  const b = await start('bench-b');
  return {
    a,
    b,
    dataDir,
    async close() {
      await a.close();
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

/** A replacement that failed for good would keep `until` waiting forever. */
async function noneFailed(a: Broker): Promise<void> {
  const failed = await a.db.prisma.replacement.findFirst({ where: { status: 'failed' } });
  if (failed) throw new Error(`a replacement failed: ${failed.lastError}`);
}

/** Seconds from the first and from the last of 100 session ends to the last of their 100 replacements. */
async function replacements(a: Broker, dataDir: string): Promise<{ afterFirst: number; afterLast: number }> {
  const { prisma } = a.db;
  const alice = await prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  const image = await prisma.image.findFirstOrThrow({ where: { name: 'web-base' } });
  const ghost = `ghost-${randomUUID()}`;
  await prisma.broker.create({ data: { id: ghost, startedAt: new Date(0), heartbeatAt: new Date(0), leaseUntil: new Date(0) } });
  for (let i = 0; i < N; i++) {
    const host = await prisma.host.create({
      data: { name: `bench-host-${i}`, environment: 'staging', imageId: image.id, connector: 'local', state: 'in_use' },
    });
    const request = await prisma.accessRequest.create({
      data: {
        hostId: host.id,
        requesterId: alice.id,
        reason: 'bench',
        durationMinutes: 60,
        status: 'approved',
        approvalsRequired: 1,
        pendingUntil: new Date(),
        approvedAt: new Date(),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    await prisma.session.create({ data: { requestId: request.id, hostId: host.id, userId: alice.id, brokerId: ghost, cols: 80, rows: 24 } });
    // Its directory, as the gone replica left it: what the session changed is captured before the rebuild.
    mkdirSync(path.join(dataDir, 'hosts', host.name), { recursive: true });
  }
  await a.liveness.tick();
  await until(async () => {
    await noneFailed(a);
    return (await prisma.replacement.count({ where: { status: 'succeeded' } })) >= N;
  });
  const [t] = await prisma.$queryRaw<{ first_end: Date; last_end: Date; last_done: Date }[]>`
    SELECT (SELECT min(ended_at) FROM sessions) AS first_end, (SELECT max(ended_at) FROM sessions) AS last_end, (SELECT max(finished_at) FROM replacements) AS last_done`;
  return { afterLast: (t!.last_done.getTime() - t!.last_end.getTime()) / 1000, afterFirst: (t!.last_done.getTime() - t!.first_end.getTime()) / 1000 };
}

/** How late (ms) each of 100 TTL jobs due over one second ran. */
async function ttlLateness(a: Broker): Promise<number[]> {
  const { prisma } = a.db;
  const alice = await prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  const host = await prisma.host.findFirstOrThrow({ where: { name: 'staging-web-1' } });
  // All due after the last one is enqueued: lateness is the scheduler's, not the set-up's.
  const base = Date.now() + 5000;
  const ids = await prisma.$transaction(
    async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < N; i++) {
        const pendingUntil = new Date(base + i * 10);
        const r = await tx.accessRequest.create({
          data: { hostId: host.id, requesterId: alice.id, reason: 'bench', durationMinutes: 5, approvalsRequired: 1, pendingUntil },
        });
        await a.scheduler.enqueue(tx, QUEUES.requestTtl, { requestId: r.id }, { startAfter: pendingUntil });
        out.push(r.id);
      }
      return out;
    },
    { timeout: 60_000 },
  );
  if (Date.now() > base) log('jobs: warning: the TTL jobs were enqueued after the first was due');
  await until(async () => (await prisma.accessRequest.count({ where: { id: { in: ids }, status: 'expired' } })) >= N);
  const rows = await prisma.accessRequest.findMany({ where: { id: { in: ids } }, select: { pendingUntil: true, closedAt: true } });
  return rows.map((r) => r.closedAt!.getTime() - r.pendingUntil.getTime());
}

const pgs = await startPostgres();
const results: Record<string, { drain: { afterFirst: number; afterLast: number }; ttl: number[] }> = {};
for (const [name, tuning] of [
  ['tuned', TUNED],
  ['one job per poll', ONE_JOB_PER_POLL],
] as const) {
  log(`jobs: two replicas, ${name}`);
  const r = await replicas(pgs, tuning);
  try {
    results[name] = { drain: await replacements(r.a, r.dataDir), ttl: await ttlLateness(r.a) };
  } finally {
    await r.close();
  }
}
await pgs.stop();

const ours = results.tuned!;
const ref = results['one job per poll']!;
const rows: Row[] = [
  row(
    'jobs',
    `${N} replacements done, after the first of ${N} session ends (target <= 5)`,
    's',
    ours.drain.afterFirst,
    ref.drain.afterFirst,
    'one job per poll',
  ),
  row('jobs', `${N} replacements done, after the last session end`, 's', ours.drain.afterLast, ref.drain.afterLast, 'one job per poll'),
  row('jobs', `request-TTL lateness p50`, 'ms', percentile(ours.ttl, 50), percentile(ref.ttl, 50), 'one job per poll'),
  row('jobs', `request-TTL lateness p99 (target <= 1000)`, 'ms', percentile(ours.ttl, 99), percentile(ref.ttl, 99), 'one job per poll'),
];
console.log(table(rows));
console.log(
  `load average during the run: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')} on ${cpus().length} cores`,
);
console.log(JSON.stringify(rows));
process.exit(ours.drain.afterFirst <= 5 && percentile(ours.ttl, 99) <= 1000 ? 0 : 1);
