// Liveness/readiness and Prometheus metrics. Gauges are read from Postgres at
// scrape time, so every replica reports the same fleet-wide figures.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrismaClient } from '../db/client.js';
import type { RecordingWriter } from '../recording/recording-writer.js';

type Opts = { prisma: PrismaClient; writer: RecordingWriter; liveSessions: () => number; more?: (registry: Registry) => void };

export default async function healthRoutes(app: FastifyInstance, { prisma, writer, liveSessions, more }: Opts) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'breakglass_process_' });
  new Gauge({ name: 'breakglass_sessions_active', help: 'Sessions open, fleet-wide', registers: [registry], async collect() { this.set(await prisma.session.count({ where: { endedAt: null } })); } });
  new Gauge({ name: 'breakglass_sessions_live_here', help: 'Sessions whose pty this replica holds', registers: [registry], collect() { this.set(liveSessions()); } });
  new Gauge({ name: 'breakglass_replacements_pending', help: 'Replacements scheduled or running', registers: [registry], async collect() { this.set(await prisma.replacement.count({ where: { status: { in: ['scheduled', 'running'] } } })); } });
  new Gauge({ name: 'breakglass_hosts_drifted', help: 'Hosts touched by hand and not yet replaced', registers: [registry], async collect() { this.set(await prisma.host.count({ where: { taintedAt: { not: null }, retiredAt: null } })); } });
  new Gauge({ name: 'breakglass_requests_pending', help: 'Requests waiting for approval', registers: [registry], async collect() { this.set(await prisma.accessRequest.count({ where: { status: 'pending' } })); } });
  more?.(registry);
  const bytes = new Counter({ name: 'breakglass_recording_bytes_total', help: 'Terminal bytes committed to recordings by this replica', registers: [registry] });
  let reported = 0;

  app.get('/healthz', async (_request, reply) => {
    try {
      await prisma.$queryRaw`SELECT 1`;
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, error: { code: 'database_unavailable', message: 'Postgres does not answer.' } });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    bytes.inc(writer.bytesWritten - reported);
    reported = writer.bytesWritten;
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
