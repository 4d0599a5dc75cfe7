// Fleet consistency over the database: the exceptions report (hosts that are
// not like their peers or their environment's target), the per-environment
// settings admins change (audited), and the gauges /metrics exports.
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { PrismaClient } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { publish } from '../events/change-feed.js';
import { hostInclude, toHostView } from '../hosts/host-views.js';
import { ValidationError } from '../errors.js';
import { emptyWindow } from './drill-fns.js';
import { fleetReport, REASON_KINDS, type FleetHost } from './fleet-fns.js';

export interface EnvironmentPatch {
  targetVersion?: string | null;
  maxHostAgeHours?: number | null;
  drillWindow?: string | null;
}

const viewOf = (e: { name: string; targetVersion: string | null; maxHostAgeHours: number | null; drillWindow: string | null; updatedAt: Date }) => ({
  environment: e.name,
  targetVersion: e.targetVersion,
  maxHostAgeHours: e.maxHostAgeHours,
  drillWindow: e.drillWindow,
  updatedAt: e.updatedAt.toISOString(),
});

export function fleetService(prisma: PrismaClient) {
  async function report(now = new Date()) {
    const rows = await prisma.host.findMany({ where: { retiredAt: null }, include: hostInclude, orderBy: [{ environment: 'asc' }, { name: 'asc' }] });
    const failed = await prisma.replacement.groupBy({
      by: ['hostId'],
      where: { status: 'failed', hostId: { in: rows.filter((h) => h.state === 'failed').map((h) => h.id) } },
      _max: { finishedAt: true },
    });
    const failedAt = new Map(failed.map((f) => [f.hostId, f._max.finishedAt]));
    const hosts: FleetHost[] = rows.map((h) => ({
      id: h.id,
      environment: h.environment,
      state: h.state,
      imageVersion: h.image.version,
      taintedAt: h.taintedAt,
      builtAt: h.builtAt,
      failedAt: failedAt.get(h.id) ?? null,
    }));
    const settings = await prisma.environment.findMany();
    const { environments, exceptions } = fleetReport(hosts, settings, now);
    const byId = new Map(rows.map((h) => [h.id, h]));
    return {
      environments,
      exceptions: exceptions.map((e) => ({
        host: toHostView(byId.get(e.hostId)!, now.getTime()),
        reasons: e.reasons.map((r) => ({ kind: r.kind, why: r.why, since: r.since.toISOString() })),
      })),
    };
  }

  return {
    report,

    async environments() {
      return (await prisma.environment.findMany({ orderBy: { name: 'asc' } })).map(viewOf);
    },

    async putEnvironment(actor: Actor, name: string, patch: EnvironmentPatch) {
      if (patch.drillWindow && emptyWindow(patch.drillWindow))
        throw new ValidationError('drillWindow starts and ends at the same time, so no drill would ever run: give a range, or 00:00-24:00 for all day');
      return prisma.$transaction(async (tx) => {
        const before = await tx.environment.findUnique({ where: { name } });
        const data = {
          ...(patch.targetVersion !== undefined ? { targetVersion: patch.targetVersion } : {}),
          ...(patch.maxHostAgeHours !== undefined ? { maxHostAgeHours: patch.maxHostAgeHours } : {}),
          ...(patch.drillWindow !== undefined ? { drillWindow: patch.drillWindow } : {}),
          updatedAt: new Date(),
        };
        const after = await tx.environment.upsert({ where: { name }, create: { name, ...data }, update: data });
        await appendAudit(tx, {
          type: 'environment.updated',
          actor,
          subjectType: 'environment',
          subjectId: name,
          data: { before: before ? viewOf(before) : null, after: viewOf(after) },
        });
        await publish(tx, { type: 'change', kind: 'host', id: name });
        return viewOf(after);
      });
    },

    /** Fleet gauges, read from Postgres at scrape time like the others. */
    registerMetrics(registry: Registry) {
      new Gauge({
        name: 'breakglass_fleet_exceptions',
        help: "Hosts that differ from their environment's target or peers, are touched, failed or too old, by reason",
        labelNames: ['environment', 'reason'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const e of (await report()).environments)
            for (const kind of REASON_KINDS) this.set({ environment: e.environment, reason: kind }, e.byKind[kind]);
        },
      });
      new Gauge({
        name: 'breakglass_fleet_hosts',
        help: 'Hosts in service per environment, and how many of them are exceptions',
        labelNames: ['environment', 'kind'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const e of (await report()).environments) {
            this.set({ environment: e.environment, kind: 'all' }, e.hosts);
            this.set({ environment: e.environment, kind: 'exceptions' }, e.exceptions);
          }
        },
      });
    },
  };
}

export type FleetService = ReturnType<typeof fleetService>;
