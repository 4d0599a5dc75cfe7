// Roll-outs: an admin moves an environment's hosts from one image to another.
// Hosts are replaced at most `maxUnavailable` at a time, never one with an
// open session (it waits until its sessions end), and the roll-out stops at
// the first failed replacement. It advances whenever a replacement finishes,
// on any replica (the roll-out row is locked while it decides), and when a
// broker starts.
import type { PrismaClient } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import type { ReplacementService } from '../replacement/replacement-service.js';

export interface NewRollout {
  environment: string;
  fromImageId: string;
  toImageId: string;
  maxUnavailable: number;
}

type Deps = { prisma: PrismaClient; replacements: Pick<ReplacementService, 'scheduleOnto'>; log: (msg: string) => void };

export function rolloutService({ prisma, replacements, log }: Deps) {
  async function advance(id: string): Promise<void> {
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM rollouts WHERE id = ${id}::uuid FOR UPDATE`;
      const rollout = await tx.rollout.findUnique({ where: { id } });
      if (rollout?.status !== 'running') return;
      const mine = await tx.replacement.findMany({ where: { rolloutId: id }, include: { host: { select: { name: true } } } });
      const failed = mine.find((r) => r.status === 'failed');
      const finish = async (status: 'succeeded' | 'failed', error: string | null) => {
        await tx.rollout.update({ where: { id }, data: { status, error, finishedAt: new Date() } });
        await appendAudit(tx, {
          type: `rollout.${status}`,
          subjectType: 'rollout',
          subjectId: id,
          data: { environment: rollout.environment, replaced: mine.filter((r) => r.status === 'succeeded').length, ...(error ? { error } : {}) },
        });
        await publish(tx, { type: 'change', kind: 'host', id });
      };
      if (failed) return finish('failed', `replacement of ${failed.host.name} failed: ${failed.lastError ?? 'no reason recorded'}; the roll-out stopped`);
      const inflight = mine.filter((r) => r.status === 'scheduled' || r.status === 'running').length;
      const remaining = await tx.host.findMany({
        where: { environment: rollout.environment, imageId: rollout.fromImageId, retiredAt: null },
        orderBy: { name: 'asc' },
      });
      if (remaining.length === 0 && inflight === 0) return finish('succeeded', null);
      let slots = rollout.maxUnavailable - inflight;
      for (const h of remaining) {
        if (slots <= 0) break;
        await tx.$executeRaw`SELECT 1 FROM hosts WHERE id = ${h.id}::uuid FOR UPDATE`;
        // Read again under the lock: a replacement that committed since the list above may have moved it already.
        const now = await tx.host.findUnique({ where: { id: h.id }, select: { imageId: true, retiredAt: true } });
        if (now?.imageId !== rollout.fromImageId || now.retiredAt) continue;
        const busy =
          (await tx.session.count({ where: { hostId: h.id, endedAt: null } })) > 0 ||
          (await tx.replacement.count({ where: { hostId: h.id, status: { in: ['scheduled', 'running'] } } })) > 0;
        if (busy) continue;
        await replacements.scheduleOnto(tx, h, id, rollout.toImageId);
        slots--;
      }
    });
  }

  async function advanceEnvironment(environment: string): Promise<void> {
    for (const r of await prisma.rollout.findMany({ where: { environment, status: 'running' }, select: { id: true } })) {
      await advance(r.id).catch((err: Error) => log(`roll-out ${r.id}: ${err.message}`));
    }
  }

  async function view(id: string) {
    const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    const [from, to, mine, remaining] = await Promise.all([
      prisma.image.findUniqueOrThrow({ where: { id: r.fromImageId }, select: { id: true, name: true, version: true } }),
      prisma.image.findUniqueOrThrow({ where: { id: r.toImageId }, select: { id: true, name: true, version: true } }),
      prisma.replacement.findMany({ where: { rolloutId: id }, select: { status: true } }),
      prisma.host.findMany({
        where: { environment: r.environment, imageId: r.fromImageId, retiredAt: null },
        select: { id: true, _count: { select: { sessions: { where: { endedAt: null } } } } },
      }),
    ]);
    const count = (...s: string[]) => mine.filter((m) => s.includes(m.status)).length;
    return {
      id: r.id,
      environment: r.environment,
      from,
      to,
      maxUnavailable: r.maxUnavailable,
      status: r.status,
      error: r.error,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      // Hosts still on the old image and not in flight count as left; those with an open session wait for it to end.
      progress: {
        total: count('succeeded') + remaining.length,
        replaced: count('succeeded'),
        inProgress: count('scheduled', 'running'),
        failed: count('failed'),
        waitingForSessions: remaining.filter((h) => h._count.sessions > 0).length,
      },
    };
  }

  return {
    advance,
    advanceEnvironment,

    async start(actor: Actor, input: NewRollout) {
      if (input.fromImageId === input.toImageId) throw new ValidationError('The roll-out must move hosts to another image.');
      const id = await prisma.$transaction(async (tx) => {
        const [from, to] = await Promise.all([
          tx.image.findUnique({ where: { id: input.fromImageId } }),
          tx.image.findUnique({ where: { id: input.toImageId } }),
        ]);
        if (!from || !to) throw new NotFoundError('Image');
        if (await tx.rollout.count({ where: { environment: input.environment, status: 'running' } }))
          throw new ConflictError(`A roll-out of ${input.environment} is running.`, 'rollout_running');
        const hosts = await tx.host.count({ where: { environment: input.environment, imageId: from.id, retiredAt: null } });
        if (hosts === 0) throw new ConflictError(`No host of ${input.environment} runs ${from.name} ${from.version}.`, 'nothing_to_roll');
        const rollout = await tx.rollout.create({ data: { ...input, createdBy: actor.username } });
        await tx.environment.upsert({
          where: { name: input.environment },
          create: { name: input.environment, targetVersion: to.version },
          update: { targetVersion: to.version, updatedAt: new Date() },
        });
        await appendAudit(tx, {
          type: 'rollout.started',
          actor,
          subjectType: 'rollout',
          subjectId: rollout.id,
          data: {
            environment: input.environment,
            from: `${from.name}:${from.version}`,
            to: `${to.name}:${to.version}`,
            hosts,
            maxUnavailable: input.maxUnavailable,
          },
        });
        await publish(tx, { type: 'change', kind: 'host', id: rollout.id });
        return rollout.id;
      });
      await advance(id);
      return view(id);
    },

    async list(environment?: string) {
      const rows = await prisma.rollout.findMany({ where: { environment }, orderBy: { createdAt: 'desc' }, take: 20, select: { id: true } });
      return Promise.all(rows.map((r) => view(r.id)));
    },

    /** At start: roll-outs left running by a broker that stopped continue. */
    async resume(): Promise<void> {
      for (const r of await prisma.rollout.findMany({ where: { status: 'running' }, select: { id: true } })) await advance(r.id);
    },
  };
}

export type RolloutService = ReturnType<typeof rolloutService>;
