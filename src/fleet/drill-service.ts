// Drills: inside its environment's drill window, a host older than the
// environment's maximum age is replaced, one host of an environment at a time
// (never one with an open session or a pending replacement). Every replica
// sweeps; the environment's advisory lock and the hosts' locks make one
// decision. The drift page reads the replacement record it produces.
import type { PrismaClient } from '../db/client.js';
import type { ReplacementService } from '../replacement/replacement-service.js';
import { inWindow, replacementRecord, type Finished } from './drill-fns.js';

type Deps = { prisma: PrismaClient; replacements: Pick<ReplacementService, 'scheduleOnto'>; log: (msg: string) => void };

export function drillService({ prisma, replacements, log }: Deps) {
  async function sweepEnvironment(env: { name: string; maxHostAgeHours: number }, now: Date): Promise<string | undefined> {
    return prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`drill:${env.name}`}))`;
      const inFlight = await tx.replacement.count({ where: { trigger: 'drill', status: { in: ['scheduled', 'running'] }, host: { environment: env.name } } });
      if (inFlight > 0) return undefined;
      const oldest = new Date(now.getTime() - env.maxHostAgeHours * 3600_000);
      const candidates = await tx.host.findMany({
        where: { environment: env.name, retiredAt: null, state: 'healthy', builtAt: { lte: oldest } },
        orderBy: { builtAt: 'asc' },
      });
      for (const h of candidates) {
        await tx.$executeRaw`SELECT 1 FROM hosts WHERE id = ${h.id}::uuid FOR UPDATE`;
        // Read again under the lock: a replacement that committed since the list above has made it young again.
        const now = await tx.host.findUnique({ where: { id: h.id }, select: { state: true, builtAt: true, retiredAt: true } });
        if (now?.state !== 'healthy' || now.retiredAt || now.builtAt > oldest) continue;
        const busy =
          (await tx.session.count({ where: { hostId: h.id, endedAt: null } })) > 0 ||
          (await tx.replacement.count({ where: { hostId: h.id, status: { in: ['scheduled', 'running'] } } })) > 0;
        if (busy) continue;
        await replacements.scheduleOnto(tx, h, null, null, 'drill', `built ${h.builtAt.toISOString()}, older than ${env.maxHostAgeHours} h`);
        return h.name;
      }
      return undefined;
    });
  }

  return {
    /** One pass over the environments whose drill window is open now; returns the hosts it scheduled. */
    async sweep(now = new Date()): Promise<string[]> {
      const envs = await prisma.environment.findMany({ where: { maxHostAgeHours: { not: null }, drillWindow: { not: null } } });
      const scheduled: string[] = [];
      for (const e of envs) {
        if (!inWindow(e.drillWindow!, now)) continue;
        const name = await sweepEnvironment({ name: e.name, maxHostAgeHours: e.maxHostAgeHours! }, now).catch((err: Error) => {
          log(`drill sweep of ${e.name}: ${err.message}`);
          return undefined;
        });
        if (name) scheduled.push(name);
      }
      return scheduled;
    },

    /** Replacements finished over the last 7 and 30 days, per environment and provider. */
    async record(now = new Date()) {
      const since = new Date(now.getTime() - 30 * 86400_000);
      const rows = await prisma.replacement.findMany({
        where: { status: { in: ['succeeded', 'failed'] }, finishedAt: { gte: since } },
        select: { status: true, provider: true, createdAt: true, finishedAt: true, host: { select: { environment: true } } },
      });
      const finished = (days: number): Finished[] =>
        rows
          .filter((r) => r.finishedAt! >= new Date(now.getTime() - days * 86400_000))
          .map((r) => ({
            environment: r.host.environment,
            provider: r.provider,
            status: r.status,
            seconds: (r.finishedAt!.getTime() - r.createdAt.getTime()) / 1000,
          }));
      return [7, 30].flatMap((days) => replacementRecord(finished(days)).map((x) => ({ days, ...x })));
    },
  };
}

export type DrillService = ReturnType<typeof drillService>;
