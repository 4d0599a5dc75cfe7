// Replacements: scheduled durably when a session ends (in its transaction),
// coalesced per host (a unique index allows one pending), run by the scheduler
// with retries and backoff, every step audited.
import type { Notifier } from '../notifications/notifier.js';
import type { Config } from '../config.js';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { QUEUES, type Scheduler } from '../scheduler/scheduler.js';
import type { CaptureService } from './capture/capture-service.js';
import type { NewInstance, ReplacementProvider } from './providers/provider.js';
import { replacementInclude, toReplacementView } from './replacement-views.js';
import { OPEN_REPLACEMENT_STATUSES, type ReplacementStatus } from '../states.js';
import type { HostKeyRecord } from '../ssh/host-key-probe.js';
import type { SshHostConfig } from '../ssh/ssh-fns.js';

type Deps = {
  notifier?: Notifier;
  prisma: PrismaClient;
  scheduler: Scheduler;
  providers: Map<string, ReplacementProvider>;
  config: Pick<Config, 'replacementRetryLimit' | 'replacementRetryDelaySeconds'>;
  log: (msg: string) => void;
  /** Evidence before teardown (src/replacement/capture). */
  capture?: Pick<CaptureService, 'beforeTeardown'>;
  /** Learns the host key of a replaced SSH host pinned by a host CA, at its new address (src/ssh/host-key-probe.ts). */
  hostKeys?: (config: SshHostConfig) => Promise<HostKeyRecord>;
  /** Told when a replacement has finished, either way (roll-outs advance on it). */
  onFinished?: (host: { id: string; environment: string }) => Promise<void>;
};

const LOCAL_IMAGE = 'local-image';

export function providerFor(host: { connector: string; connectorConfig: unknown }): string {
  const configured = (host.connectorConfig as { replacement?: { provider?: string } } | null)?.replacement?.provider;
  return configured ?? (host.connector === 'local' ? LOCAL_IMAGE : 'command');
}

/** What a cloud provider reports of the new instance; an SSH host is reached at its new address from now on (its key is vouched for by the host CA). */
function recordInstance(host: { connector: string; connectorConfig: unknown }, fresh: NewInstance | undefined) {
  if (!fresh) return {};
  const config = host.connectorConfig as Record<string, unknown>;
  return {
    instanceRef: fresh.instanceId,
    address: fresh.address ?? null,
    ...(host.connector === 'ssh' && fresh.address ? { connectorConfig: { ...config, address: fresh.address } as object } : {}),
  };
}

/** An SSH host pinned by a host CA, back at a new address: its key is learnt through the CA. */
function caPinnedAt(host: { connector: string; connectorConfig: unknown }, fresh: NewInstance | undefined): SshHostConfig | undefined {
  const config = host.connectorConfig as Partial<SshHostConfig>;
  if (host.connector !== 'ssh' || !fresh?.address || typeof config.hostCaKey !== 'string') return undefined;
  return { ...(config as SshHostConfig), address: fresh.address };
}

export function replacementService({ prisma, scheduler, providers, config, log, notifier, capture, hostKeys, onFinished }: Deps) {
  async function enqueue(tx: Tx, replacementId: string) {
    await scheduler.enqueue(
      tx,
      QUEUES.replacement,
      { replacementId },
      {
        retryLimit: config.replacementRetryLimit,
        retryDelay: config.replacementRetryDelaySeconds,
        retryBackoff: true,
      },
    );
  }

  /** Taints the host and makes sure one replacement is pending; it runs once the host has no open session. */
  async function scheduleAfterSession(tx: Tx, hostId: string, sessionId: string | null): Promise<void> {
    await tx.$executeRaw`SELECT 1 FROM hosts WHERE id = ${hostId}::uuid FOR UPDATE`;
    const host = await tx.host.findUniqueOrThrow({ where: { id: hostId } });
    const open = await tx.session.count({ where: { hostId, endedAt: null } });
    if (host.state !== 'replacing') {
      await tx.host.update({ where: { id: hostId }, data: { state: open > 0 ? 'in_use' : 'tainted', taintedAt: host.taintedAt ?? new Date() } });
    }
    let pending = await tx.replacement.findFirst({ where: { hostId, status: { in: OPEN_REPLACEMENT_STATUSES } } });
    if (!pending) {
      pending = await tx.replacement.create({ data: { hostId, sessionId, provider: providerFor(host) } });
      await appendAudit(tx, {
        type: 'replacement.scheduled',
        subjectType: 'replacement',
        subjectId: pending.id,
        data: { hostId, host: host.name, sessionId, provider: pending.provider },
      });
      await publish(tx, { type: 'change', kind: 'replacement', id: pending.id });
    }
    if (open === 0) await enqueue(tx, pending.id);
    await publish(tx, { type: 'change', kind: 'host', id: hostId });
  }

  /** Job body. Throws to let the scheduler retry with backoff; the last failure marks the host failed. */
  async function run(replacementId: string): Promise<void> {
    const claimed = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM replacements WHERE id = ${replacementId}::uuid FOR UPDATE`;
      const r = await tx.replacement.findUnique({ where: { id: replacementId }, include: { host: { include: { image: true } } } });
      if (!r || !OPEN_REPLACEMENT_STATUSES.includes(r.status as ReplacementStatus)) return undefined;
      if ((await tx.session.count({ where: { hostId: r.hostId, endedAt: null } })) > 0) return undefined;
      const attempts = r.attempts + 1;
      await tx.replacement.update({ where: { id: r.id }, data: { status: 'running', attempts, startedAt: r.startedAt ?? new Date() } });
      await tx.host.update({ where: { id: r.hostId }, data: { state: 'replacing' } });
      await appendAudit(tx, {
        type: 'replacement.started',
        subjectType: 'replacement',
        subjectId: r.id,
        data: { hostId: r.hostId, host: r.host.name, attempt: attempts },
      });
      await publish(tx, { type: 'change', kind: 'replacement', id: r.id });
      await publish(tx, { type: 'change', kind: 'host', id: r.hostId });
      const target = r.targetImageId ? await tx.image.findUnique({ where: { id: r.targetImageId } }) : null;
      return { ...r, attempts, image: target ?? r.host.image };
    });
    if (!claimed) return;
    const { host, image } = claimed;
    let fresh: NewInstance | undefined;
    let hostKey: HostKeyRecord | undefined;
    try {
      const provider = providers.get(claimed.provider);
      if (!provider) throw new Error(`no replacement provider "${claimed.provider}" on this broker`);
      await capture?.beforeTeardown({
        id: claimed.id,
        provider: claimed.provider,
        trigger: claimed.trigger,
        host: { ...host, connectorConfig: host.connectorConfig as Record<string, unknown> },
        image: host.image,
        attempt: claimed.attempts,
      });
      const target = { host: { ...host, connectorConfig: host.connectorConfig as Record<string, unknown> }, image };
      const step = (name: string, data: Record<string, unknown> = {}) =>
        prisma.$transaction(async (tx) => {
          await appendAudit(tx, {
            type: 'replacement.step',
            subjectType: 'replacement',
            subjectId: claimed.id,
            data: { hostId: host.id, host: host.name, attempt: claimed.attempts, step: name, ...data },
          });
        });
      fresh = (await provider.replace(target, { replacementId: claimed.id, attempt: claimed.attempts, step })) || undefined;
      // A local host's shell runs in its directory on this machine, whatever else the provider replaced:
      // the next requester gets that directory fresh from the image, never the touched one.
      if (host.connector === 'local' && provider.name !== LOCAL_IMAGE) {
        const local = providers.get(LOCAL_IMAGE);
        if (!local) throw new Error("no local-image provider on this broker to rebuild the local host's directory");
        await local.replace(target);
        await step('local.rebuilt', { image: `${image.name}:${image.version}` });
      }
      const pinned = hostKeys && caPinnedAt(host, fresh);
      if (pinned) hostKey = await hostKeys(pinned);
    } catch (err) {
      const message = (err as Error).message;
      const final = claimed.attempts > config.replacementRetryLimit;
      log(`replacement of ${host.name} failed (attempt ${claimed.attempts}${final ? ', giving up' : ''}): ${message}`);
      await prisma.$transaction(async (tx) => {
        await tx.replacement.update({
          where: { id: claimed.id },
          data: { lastError: message, ...(final ? { status: 'failed', finishedAt: new Date() } : {}) },
        });
        await tx.host.update({ where: { id: host.id }, data: { state: final ? 'failed' : 'tainted' } });
        await appendAudit(tx, {
          type: final ? 'replacement.failed' : 'replacement.attempt_failed',
          subjectType: 'replacement',
          subjectId: claimed.id,
          data: { hostId: host.id, host: host.name, attempt: claimed.attempts, error: message },
        });
        const session = final && claimed.sessionId ? await tx.session.findUnique({ where: { id: claimed.sessionId }, select: { requestId: true } }) : null;
        if (session) await notifier?.emit(tx, 'replacement.failed', session.requestId, { error: message });
        await publish(tx, { type: 'change', kind: 'replacement', id: claimed.id });
        await publish(tx, { type: 'change', kind: 'host', id: host.id });
      });
      if (!final) throw err;
      await onFinished?.(host);
      return;
    }
    await prisma.$transaction(async (tx) => {
      await tx.replacement.update({ where: { id: claimed.id }, data: { status: 'succeeded', finishedAt: new Date(), lastError: null } });
      await tx.host.update({
        where: { id: host.id },
        data: {
          state: 'healthy',
          instance: host.instance + 1,
          taintedAt: null,
          builtAt: new Date(),
          imageId: image.id,
          ...recordInstance(host, fresh),
          ...(hostKey ? { hostKeyFingerprint: hostKey.fingerprint, hostKeyRecordedAt: new Date() } : {}),
        },
      });
      if (hostKey) {
        await appendAudit(tx, {
          type: 'host.key_recorded',
          subjectType: 'host',
          subjectId: host.id,
          data: { host: host.name, replacementId: claimed.id, address: fresh?.address ?? null, ...hostKey },
        });
      }
      await appendAudit(tx, {
        type: 'replacement.succeeded',
        subjectType: 'replacement',
        subjectId: claimed.id,
        data: {
          hostId: host.id,
          host: host.name,
          instance: host.instance + 1,
          attempts: claimed.attempts,
          image: `${image.name}:${image.version}`,
          ...(fresh ? { instanceId: fresh.instanceId, address: fresh.address ?? null } : {}),
        },
      });
      await publish(tx, { type: 'change', kind: 'replacement', id: claimed.id });
      await publish(tx, { type: 'change', kind: 'host', id: host.id });
    });
    await onFinished?.(host);
  }

  /**
   * An admin asks for a replacement now: the way out of `failed` once the cause
   * is fixed, or to roll a host onto a fresh instance. Not while a session is
   * open on it or a replacement is already pending.
   */
  async function request(user: Actor, hostId: string) {
    const id = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM hosts WHERE id = ${hostId}::uuid FOR UPDATE`;
      const host = await tx.host.findUnique({ where: { id: hostId } });
      if (!host) throw new NotFoundError('Host');
      if (host.retiredAt) throw new ConflictError('This host is retired.', 'host_retired');
      if ((await tx.session.count({ where: { hostId, endedAt: null } })) > 0) {
        throw new ConflictError('A session is open on this host; its end schedules the replacement.', 'session_open');
      }
      if ((await tx.replacement.count({ where: { hostId, status: { in: OPEN_REPLACEMENT_STATUSES } } })) > 0) {
        throw new ConflictError('A replacement of this host is already pending.', 'replacement_pending');
      }
      const r = await tx.replacement.create({ data: { hostId, provider: providerFor(host) } });
      await appendAudit(tx, {
        type: 'replacement.requested',
        actor: user,
        subjectType: 'replacement',
        subjectId: r.id,
        data: { hostId, host: host.name, provider: r.provider, state: host.state },
      });
      await enqueue(tx, r.id);
      await publish(tx, { type: 'change', kind: 'replacement', id: r.id });
      await publish(tx, { type: 'change', kind: 'host', id: hostId });
      return r.id;
    });
    return toReplacementView(await prisma.replacement.findUniqueOrThrow({ where: { id }, include: replacementInclude }));
  }

  /** A roll-out's or a drill's replacement of a host (the caller holds the host's lock and checked it is free). */
  async function scheduleOnto(
    tx: Tx,
    host: { id: string; name: string; connector: string; connectorConfig: unknown },
    rolloutId: string | null,
    targetImageId: string | null,
    trigger = 'rollout',
    why?: string,
  ) {
    const r = await tx.replacement.create({ data: { hostId: host.id, provider: providerFor(host), rolloutId, targetImageId, trigger } });
    await appendAudit(tx, {
      type: 'replacement.scheduled',
      subjectType: 'replacement',
      subjectId: r.id,
      data: { hostId: host.id, host: host.name, provider: r.provider, trigger, ...(rolloutId ? { rolloutId, targetImageId } : {}), ...(why ? { why } : {}) },
    });
    await enqueue(tx, r.id);
    await publish(tx, { type: 'change', kind: 'replacement', id: r.id });
    await publish(tx, { type: 'change', kind: 'host', id: host.id });
  }

  return {
    scheduleAfterSession,
    scheduleOnto,
    run,
    request,

    async list(filter: { hostId?: string }) {
      const rows = await prisma.replacement.findMany({
        where: { hostId: filter.hostId },
        include: replacementInclude,
        orderBy: { createdAt: 'desc' },
        take: 500,
      });
      return rows.map(toReplacementView);
    },
  };
}

export type ReplacementService = ReturnType<typeof replacementService>;
