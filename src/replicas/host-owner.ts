// A `local` host is a directory on one replica's machine, so that replica (its
// owner, recorded in the host row) runs its sessions and its rebuilds; any
// other replica forwards to it over the replica hop (src/terminal/replica-hop.ts).
import { existsSync } from 'node:fs';
import type { PrismaClient } from '../db/client.js';
import { AppError, ConflictError } from '../errors.js';
import type { ReplacementService } from '../replacement/replacement-service.js';
import { hostDirectory } from '../hosts/local-hosts.js';
import type { ReplicaHop } from '../terminal/replica-hop.js';
import { type JobHandlers, QUEUES } from '../scheduler/scheduler.js';

const REBUILD_TIMEOUT_MS = 5 * 60_000;

/** At start: local hosts with no owner whose directory is in this replica's data dir become its own. */
export async function claimLocalHosts(prisma: PrismaClient, brokerId: string, dataDir: string): Promise<number> {
  const unowned = await prisma.host.findMany({ where: { connector: 'local', ownerBrokerId: null, retiredAt: null }, select: { id: true, name: true } });
  const here = unowned.filter((h) => existsSync(hostDirectory(dataDir, h.name))).map((h) => h.id);
  if (here.length === 0) return 0;
  const { count } = await prisma.host.updateMany({ where: { id: { in: here }, ownerBrokerId: null }, data: { ownerBrokerId: brokerId } });
  return count;
}

export function hostOwners(deps: { prisma: PrismaClient; brokerId: string; hop: ReplicaHop; replacements: ReplacementService }) {
  const { prisma, brokerId, hop } = deps;

  /** The address of `owner` while its lease holds; else the host cannot be served now. */
  async function addressOf(owner: string, hostName: string): Promise<string> {
    const [row] = await prisma.$queryRaw<{ address: string }[]>`
      SELECT address FROM brokers WHERE id = ${owner} AND address IS NOT NULL AND lease_until > now()`;
    if (!row) throw new ConflictError(`${hostName} is a local host on broker replica ${owner}, which is not reachable now.`, 'host_unreachable');
    return row.address;
  }

  /** Calls the owner's internal route; its error comes back as the same typed error. */
  async function call<T>(
    to: { owner: string; address: string },
    subject: string,
    userId: string | null,
    path: string,
    body: unknown,
    timeoutMs?: number,
  ): Promise<T> {
    const token = hop.token({ subject, userId, brokerId: to.owner });
    const res = await hop.post(to.address, path, token, body, timeoutMs);
    if (res.status >= 200 && res.status < 300) return res.body as T;
    const err = res.body?.error as { code?: string; message?: string } | undefined;
    throw new AppError(res.status, err?.code ?? 'replica_error', err?.message ?? `broker replica ${to.owner} answered ${res.status}`);
  }

  return {
    call,

    /** The replica other than this one that must act on the request's host, if any. */
    async ownerOfRequestHost(requestId: string): Promise<{ owner: string; address: string } | undefined> {
      const request = await prisma.accessRequest.findUnique({
        where: { id: requestId },
        select: { host: { select: { name: true, connector: true, ownerBrokerId: true } } },
      });
      const owner = request?.host.connector === 'local' ? request.host.ownerBrokerId : null;
      if (!owner || owner === brokerId) return undefined;
      return { owner, address: await addressOf(owner, request!.host.name) };
    },

    /** Job body: a rebuild of a local host runs on its owner; the owner's failure fails (and retries) this job. */
    async runReplacement(replacementId: string): Promise<void> {
      const r = await prisma.replacement.findUnique({
        where: { id: replacementId },
        select: { host: { select: { name: true, connector: true, ownerBrokerId: true } } },
      });
      const owner = r?.host.connector === 'local' ? r.host.ownerBrokerId : null;
      if (!owner || owner === brokerId) return deps.replacements.run(replacementId);
      const address = await addressOf(owner, r!.host.name);
      await call({ owner, address }, `replacement:${replacementId}`, null, `/internal/replacements/${replacementId}/run`, {}, REBUILD_TIMEOUT_MS);
    },
  };
}

export type HostOwners = ReturnType<typeof hostOwners>;

/** Replacements run where their host lives: a local host's on its owner replica. */
export function replacementJobs(owners: HostOwners): JobHandlers {
  return { [QUEUES.replacement]: (d) => owners.runReplacement(d.replacementId) };
}
