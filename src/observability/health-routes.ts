// Liveness/readiness and Prometheus metrics. Fleet-wide figures are read from
// Postgres at scrape time, so every replica reports the same numbers; what only
// this replica can see (its ptys, its commit latency) is measured in process.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrismaClient } from '../db/client.js';
import type { RecordingWriter } from '../recording/recording-writer.js';
import { OPEN_REPLACEMENT_STATUSES } from '../states.js';

type Opts = { prisma: PrismaClient; writer: RecordingWriter; liveSessions: () => number; more?: (registry: Registry) => void };

/** A counter whose value is a count of rows in Postgres (rows are never deleted, so it only grows). */
function rowCounter(registry: Registry, name: string, help: string, label: string, read: () => Promise<{ key: string | null; count: number }[]>) {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { key, count } of await read()) if (key !== null) this.inc({ [label]: key }, count);
    },
  });
}

export default async function healthRoutes(app: FastifyInstance, { prisma, writer, liveSessions, more }: Opts) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'breakglass_' });
  new Gauge({
    name: 'breakglass_sessions_active',
    help: 'Sessions open, fleet-wide',
    registers: [registry],
    async collect() {
      this.set(await prisma.session.count({ where: { endedAt: null } }));
    },
  });
  new Gauge({
    name: 'breakglass_sessions_live_here',
    help: 'Sessions whose pty this replica holds',
    registers: [registry],
    collect() {
      this.set(liveSessions());
    },
  });
  new Gauge({
    name: 'breakglass_replacements_pending',
    help: 'Replacements scheduled or running',
    registers: [registry],
    async collect() {
      this.set(await prisma.replacement.count({ where: { status: { in: OPEN_REPLACEMENT_STATUSES } } }));
    },
  });
  new Gauge({
    name: 'breakglass_hosts_drifted',
    help: 'Hosts touched by hand and not yet replaced',
    registers: [registry],
    async collect() {
      this.set(await prisma.host.count({ where: { taintedAt: { not: null }, retiredAt: null } }));
    },
  });
  new Gauge({
    name: 'breakglass_requests_pending',
    help: 'Requests waiting for approval',
    registers: [registry],
    async collect() {
      this.set(await prisma.accessRequest.count({ where: { status: 'pending' } }));
    },
  });
  rowCounter(registry, 'breakglass_decisions_total', 'Approvals and denials given, fleet-wide', 'decision', async () =>
    (await prisma.approval.groupBy({ by: ['decision'], _count: { _all: true } })).map((g) => ({ key: g.decision, count: g._count._all })),
  );
  rowCounter(
    registry,
    'breakglass_sessions_ended_total',
    'Sessions ended, by end reason (recording_failed counts recording failures), fleet-wide',
    'reason',
    async () =>
      (await prisma.session.groupBy({ by: ['endReason'], where: { endedAt: { not: null } }, _count: { _all: true } })).map((g) => ({
        key: g.endReason,
        count: g._count._all,
      })),
  );
  rowCounter(registry, 'breakglass_replacements_finished_total', 'Replacements finished, by result, fleet-wide', 'result', async () =>
    (await prisma.replacement.groupBy({ by: ['status'], where: { status: { notIn: OPEN_REPLACEMENT_STATUSES } }, _count: { _all: true } })).map((g) => ({
      key: g.status,
      count: g._count._all,
    })),
  );
  new Gauge({
    name: 'breakglass_emergency_grants_total',
    help: 'Emergency grants ever made (break-glass), fleet-wide',
    registers: [registry],
    async collect() {
      this.set(await prisma.accessRequest.count({ where: { emergency: true, approvedAt: { not: null } } }));
    },
  });
  new Gauge({
    name: 'breakglass_emergency_reviews_open',
    help: 'Emergency grants not yet reviewed',
    registers: [registry],
    async collect() {
      this.set(await prisma.accessRequest.count({ where: { reviewDueAt: { not: null }, reviewedAt: null } }));
    },
  });
  new Gauge({
    name: 'breakglass_emergency_reviews_overdue',
    help: "Emergency grants not reviewed within the policy's hours",
    registers: [registry],
    async collect() {
      this.set(await prisma.accessRequest.count({ where: { reviewDueAt: { lt: new Date() }, reviewedAt: null } }));
    },
  });
  new Gauge({
    name: 'breakglass_notifications_failed',
    help: 'Notification deliveries that failed for good',
    registers: [registry],
    async collect() {
      this.set(await prisma.notificationDelivery.count({ where: { status: 'failed' } }));
    },
  });
  more?.(registry);
  const bytes = new Counter({
    name: 'breakglass_recording_bytes_total',
    help: 'Terminal bytes committed to recordings by this replica',
    registers: [registry],
  });
  const commits = new Histogram({
    name: 'breakglass_recording_commit_seconds',
    help: 'Time to commit one batch of recording chunks (the wait before bytes are forwarded), this replica',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  writer.onCommit = (seconds) => commits.observe(seconds);
  let reported = 0;

  app.get(
    '/healthz',
    {
      schema: {
        response: {
          200: Type.Object({ ok: Type.Literal(true) }),
          503: Type.Object({ ok: Type.Literal(false), error: Type.Object({ code: Type.String(), message: Type.String() }) }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return { ok: true as const };
      } catch {
        return reply.code(503).send({ ok: false, error: { code: 'database_unavailable', message: 'Postgres does not answer.' } });
      }
    },
  );

  app.get('/metrics', async (_request, reply) => {
    bytes.inc(writer.bytesWritten - reported);
    reported = writer.bytesWritten;
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
