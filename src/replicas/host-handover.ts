// Hand-over of a local host whose owner replica is gone for good: its directory
// stayed on that machine, so the host moves to a live replica only once the
// owner's lease has expired (by the database's clock: a replica that is merely
// slow still holds it), and the new owner rebuilds it from its image before any
// session. The move, the superseded rebuilds and the new one are one
// transaction with their audit event.
import type { Actor } from '../audit/audit-service.js';
import { appendAudit } from '../audit/audit-service.js';
import type { PrismaClient } from '../db/client.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { hostInclude, toHostView } from '../hosts/host-views.js';
import type { ReplacementService } from '../replacement/replacement-service.js';
import { OPEN_REPLACEMENT_STATUSES } from '../states.js';

/** The replacement trigger of a hand-over's rebuild: its capture finds nothing to capture (src/replacement/capture). */
export const HANDOVER_TRIGGER = 'handover';

export interface ReplicaView {
  id: string;
  startedAt: string;
  heartbeatAt: string;
  leaseUntil: string | null;
  alive: boolean;
}

type LeaseRow = { id: string; started_at: Date; heartbeat_at: Date; lease_until: Date | null; alive: boolean };

export function hostHandover(deps: { prisma: PrismaClient; replacements: Pick<ReplacementService, 'scheduleOnto'>; leaseMs: number }) {
  const { prisma, leaseMs } = deps;
  const toView = (b: LeaseRow): ReplicaView => ({
    id: b.id,
    startedAt: b.started_at.toISOString(),
    heartbeatAt: b.heartbeat_at.toISOString(),
    leaseUntil: b.lease_until?.toISOString() ?? null,
    alive: b.alive,
  });

  return {
    /** Every replica that ever registered, and whether its lease holds now (the database's clock). */
    async replicas(): Promise<ReplicaView[]> {
      const rows = await prisma.$queryRaw<LeaseRow[]>`
        SELECT id, started_at, heartbeat_at, lease_until,
               COALESCE(lease_until, heartbeat_at + make_interval(secs => ${leaseMs / 1000})) > now() AS alive
        FROM brokers ORDER BY id`;
      return rows.map(toView);
    },

    async handOver(actor: Actor, hostId: string, to: string) {
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM hosts WHERE id = ${hostId}::uuid FOR UPDATE`;
        const host = await tx.host.findUnique({ where: { id: hostId } });
        if (!host) throw new NotFoundError('Host');
        if (host.retiredAt) throw new ConflictError('This host is retired.', 'host_retired');
        if (host.connector !== 'local') throw new ConflictError(`${host.name} is not a local host: it lives on no replica's machine.`, 'not_local');
        // Share-locked: neither replica can renew (or give up) its lease until this commits.
        const leases = await tx.$queryRaw<LeaseRow[]>`
          SELECT id, started_at, heartbeat_at, lease_until,
                 COALESCE(lease_until, heartbeat_at + make_interval(secs => ${leaseMs / 1000})) > now() AS alive
          FROM brokers WHERE id IN (${to}, ${host.ownerBrokerId ?? to}) FOR SHARE`;
        const target = leases.find((b) => b.id === to);
        if (!target) throw new NotFoundError('Replica');
        if (!target.alive) throw new ConflictError(`Replica ${to} does not hold its lease: a host moves only to a live replica.`, 'replica_not_live');
        if (host.ownerBrokerId === to) throw new ConflictError(`${host.name} is already on replica ${to}.`, 'same_owner');
        const owner = leases.find((b) => b.id === host.ownerBrokerId);
        if (owner?.alive) {
          throw new ConflictError(
            `${host.name} is on replica ${owner.id}, whose lease holds until ${owner.lease_until?.toISOString()}: a host moves only when its owner is gone for good (its lease has expired).`,
            'owner_alive',
          );
        }
        if ((await tx.session.count({ where: { hostId, endedAt: null } })) > 0) {
          throw new ConflictError(
            `A session on ${host.name} is still open; a live replica ends it as interrupted within a lease tick. Try again then.`,
            'session_open',
          );
        }
        // Rebuilds meant for the old owner's directory are superseded by the new owner's.
        const superseded = await tx.replacement.findMany({ where: { hostId, status: { in: OPEN_REPLACEMENT_STATUSES } }, select: { id: true } });
        await tx.replacement.updateMany({
          where: { id: { in: superseded.map((r) => r.id) } },
          data: { status: 'failed', finishedAt: new Date(), lastError: `superseded: ${host.name} was handed over to replica ${to} and is rebuilt there` },
        });
        await tx.host.update({ where: { id: hostId }, data: { ownerBrokerId: to, state: 'tainted', taintedAt: host.taintedAt ?? new Date() } });
        await appendAudit(tx, {
          type: 'host.handed_over',
          actor,
          subjectType: 'host',
          subjectId: hostId,
          data: {
            host: host.name,
            from: host.ownerBrokerId,
            to,
            fromLeaseUntil: owner?.lease_until ?? null,
            supersededReplacements: superseded.map((r) => r.id),
          },
        });
        await deps.replacements.scheduleOnto(
          tx,
          host,
          null,
          null,
          HANDOVER_TRIGGER,
          `handed over from ${host.ownerBrokerId ?? 'no replica'} to ${to}: rebuilt from its image there before any session`,
        );
        await publish(tx, { type: 'change', kind: 'host', id: hostId });
      });
      return toHostView(await prisma.host.findUniqueOrThrow({ where: { id: hostId }, include: hostInclude }));
    },
  };
}

export type HostHandover = ReturnType<typeof hostHandover>;
