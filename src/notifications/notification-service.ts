// Notifications: queued in the transaction of the change they tell about (one
// delivery row and one pg-boss job per channel, and one for the requester in
// person), sent by a worker on any replica, retried with backoff; every
// delivery and every failure is audited.
import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { type JobHandlers, QUEUES, type Scheduler } from '../scheduler/scheduler.js';
import { channelSenders } from './channel-senders.js';
import { AUDIENCES, NOTIFICATION_EVENTS, TO_EVERY_CHANNEL, TO_THE_REQUESTER, type NotificationEventType } from './notification-events.js';
import { buildEvent, type NotificationEvent } from './notification-fns.js';
import type { Notifier } from './notifier.js';

type Deps = {
  prisma: PrismaClient;
  scheduler: Scheduler;
  config: Pick<Config, 'publicUrl' | 'smtpUrl' | 'mailFrom' | 'notifyRetries' | 'notifyRetryDelaySeconds'>;
  log: (msg: string) => void;
};

export interface NewChannel {
  environment: string;
  name: string;
  kind: 'webhook' | 'slack' | 'email';
  target: string;
  secret?: string;
  audiences?: (keyof typeof AUDIENCES)[];
  events?: NotificationEventType[];
}

/** What admins see of a channel: never its secret, nor a Slack URL's secret path. */
function channelView(c: {
  id: string;
  environment: string;
  name: string;
  kind: string;
  target: string;
  secret: string | null;
  events: string[];
  createdAt: Date;
}) {
  const target = c.kind === 'slack' ? `${new URL(c.target).origin}/…` : c.target;
  return {
    id: c.id,
    environment: c.environment,
    name: c.name,
    kind: c.kind,
    target,
    hasSecret: c.secret !== null,
    events: c.events,
    createdAt: c.createdAt.toISOString(),
  };
}

function checkTarget(input: NewChannel): void {
  if (input.kind !== 'webhook' && input.secret)
    throw new ValidationError(`only a webhook channel signs its deliveries with a secret: leave the secret out of a ${input.kind} channel`);
  if (input.kind === 'email') {
    if (!input.target.split(',').every((a) => /^[^\s@,<>]+@[^\s@,<>]+$/.test(a.trim())))
      throw new ValidationError('target must be one or more e-mail addresses, comma-separated');
    return;
  }
  let url: URL;
  try {
    url = new URL(input.target);
  } catch {
    throw new ValidationError('target must be an http(s) URL');
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password)
    throw new ValidationError('target must be an http(s) URL without credentials');
  if (input.kind === 'webhook' && (!input.secret || input.secret.length < 16))
    throw new ValidationError('a webhook needs a secret of at least 16 characters to sign its deliveries');
}

/** A change to a channel: its kind stays; a secret or target left out stays as it is. */
export type ChannelChange = Partial<Omit<NewChannel, 'kind'>>;

function eventsOf(input: Pick<NewChannel, 'audiences' | 'events'>): NotificationEventType[] {
  const events = [...new Set([...(input.events ?? []), ...(input.audiences ?? []).flatMap((a) => AUDIENCES[a])])];
  if (events.length === 0) throw new ValidationError('a channel needs at least one event or audience');
  if (events.some((e) => !NOTIFICATION_EVENTS.includes(e))) throw new ValidationError('unknown event type');
  return events;
}

export function notificationService({ prisma, scheduler, config, log }: Deps) {
  const senders = channelSenders(config);

  const notifier: Notifier = {
    async emit(tx, type, requestId, extra = {}) {
      const request = await tx.accessRequest.findUnique({
        where: { id: requestId },
        include: { host: true, requester: { select: { id: true, username: true, email: true, disabledAt: true } } },
      });
      if (!request) return;
      const channels = await tx.notificationChannel.findMany({ where: { environment: request.host.environment } });
      const targets: ({ channelId: string } | { userId: string })[] = channels
        .filter((c) => TO_EVERY_CHANNEL.includes(type) || c.events.includes(type))
        .map((c) => ({ channelId: c.id }));
      const { requester } = request;
      if (TO_THE_REQUESTER.includes(type) && config.smtpUrl && requester.email && !requester.disabledAt) targets.push({ userId: requester.id });
      if (targets.length === 0) return;
      const event = buildEvent(type, request, config.publicUrl, extra);
      for (const to of targets) {
        const delivery = await tx.notificationDelivery.create({
          data: { eventId: event.id, eventType: type, ...to, payload: event as object },
        });
        await scheduler.enqueue(
          tx,
          QUEUES.notification,
          { deliveryId: delivery.id },
          {
            retryLimit: config.notifyRetries,
            retryDelay: config.notifyRetryDelaySeconds,
            retryBackoff: true,
          },
        );
      }
    },
  };

  return {
    notifier,

    /** Job: sends one delivery. Throws (so pg-boss retries it later) while attempts are left. */
    async deliver(deliveryId: string): Promise<void> {
      const d = await prisma.notificationDelivery.findUnique({
        where: { id: deliveryId },
        include: { channel: true, user: { select: { username: true, email: true } } },
      });
      if (d?.status !== 'pending') return;
      const event = d.payload as unknown as NotificationEvent;
      const subject = { subjectType: 'notification', subjectId: d.id };
      const recipient = d.channel
        ? { channel: d.channel.name, kind: d.channel.kind, environment: d.channel.environment }
        : { user: d.user?.username ?? null, kind: 'email', environment: event.environment };
      const base = { eventId: d.eventId, event: d.eventType, ...recipient, requestId: event.request.id };
      const to = d.channel?.name ?? `${d.user?.username} in person`;
      try {
        if (d.channel) await senders.send(d.channel, event);
        else if (d.user?.email) await senders.mail(d.user.email, event);
        else throw new Error('the user has no e-mail address any more');
      } catch (err) {
        const attempt = d.attempts + 1;
        const final = attempt > config.notifyRetries;
        const error = (err as Error).message.slice(0, 500);
        await prisma.$transaction(async (tx) => {
          await tx.notificationDelivery.update({ where: { id: d.id }, data: { attempts: attempt, lastError: error, status: final ? 'failed' : 'pending' } });
          await appendAudit(tx, { type: 'notification.failed', ...subject, data: { ...base, attempt, final, error } });
        });
        log(`notification ${d.id} to ${to} failed (attempt ${attempt}${final ? ', giving up' : ''}): ${error}`);
        if (!final) throw err;
        return;
      }
      await prisma.$transaction(async (tx) => {
        await tx.notificationDelivery.update({
          where: { id: d.id },
          data: { attempts: d.attempts + 1, status: 'delivered', deliveredAt: new Date(), lastError: null },
        });
        await appendAudit(tx, { type: 'notification.delivered', ...subject, data: { ...base, attempt: d.attempts + 1 } });
      });
    },

    async listChannels(environment?: string) {
      const rows = await prisma.notificationChannel.findMany({ where: { environment }, orderBy: [{ environment: 'asc' }, { name: 'asc' }] });
      return rows.map(channelView);
    },

    async addChannel(user: Actor, input: NewChannel) {
      checkTarget(input);
      const events = eventsOf(input);
      const row = await prisma.$transaction(async (tx) => {
        const c = await tx.notificationChannel.create({
          data: { environment: input.environment, name: input.name, kind: input.kind, target: input.target, secret: input.secret ?? null, events },
        });
        await appendAudit(tx, {
          type: 'notification.channel_added',
          actor: user,
          subjectType: 'notification_channel',
          subjectId: c.id,
          data: { environment: c.environment, name: c.name, kind: c.kind, events },
        });
        return c;
      });
      return channelView(row);
    },

    /** Edits a channel in place; the audit event names the fields changed, never a secret or a target's value. */
    async updateChannel(user: Actor, id: string, change: ChannelChange) {
      const row = await prisma.$transaction(async (tx) => {
        const c = await tx.notificationChannel.findUnique({ where: { id } });
        if (!c) throw new NotFoundError('Channel');
        const next = {
          environment: change.environment ?? c.environment,
          name: change.name ?? c.name,
          kind: c.kind as NewChannel['kind'],
          target: change.target ?? c.target,
          secret: change.secret ?? c.secret ?? undefined,
        };
        checkTarget(next);
        const events = change.events || change.audiences ? eventsOf(change) : (c.events as NotificationEventType[]);
        const updated = await tx.notificationChannel.update({
          where: { id },
          data: { environment: next.environment, name: next.name, target: next.target, secret: next.secret ?? null, events },
        });
        const changed = Object.keys(change).filter((k) => change[k as keyof ChannelChange] !== undefined);
        await appendAudit(tx, {
          type: 'notification.channel_changed',
          actor: user,
          subjectType: 'notification_channel',
          subjectId: id,
          data: { environment: updated.environment, name: updated.name, kind: updated.kind, events, changed },
        });
        return updated;
      });
      return channelView(row);
    },

    async removeChannel(user: Actor, id: string) {
      await prisma.$transaction(async (tx) => {
        const c = await tx.notificationChannel.findUnique({ where: { id } });
        if (!c) throw new NotFoundError('Channel');
        await tx.notificationChannel.delete({ where: { id } });
        await appendAudit(tx, {
          type: 'notification.channel_removed',
          actor: user,
          subjectType: 'notification_channel',
          subjectId: id,
          data: { environment: c.environment, name: c.name, kind: c.kind },
        });
      });
    },

    async listDeliveries(filter: { status?: string }) {
      const rows = await prisma.notificationDelivery.findMany({
        where: { status: filter.status },
        include: { channel: { select: { name: true, kind: true, environment: true } }, user: { select: { username: true } } },
        orderBy: { createdAt: 'desc' },
        take: 200,
      });
      return rows.map((d) => ({
        id: d.id,
        eventId: d.eventId,
        eventType: d.eventType,
        channel: d.channel?.name ?? null,
        user: d.user?.username ?? null,
        kind: d.channel?.kind ?? 'email',
        environment: d.channel?.environment ?? (d.payload as { environment: string }).environment,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        createdAt: d.createdAt.toISOString(),
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        requestId: (d.payload as { request?: { id?: string } }).request?.id ?? null,
      }));
    },

    close: () => senders.close(),
  };
}

export type NotificationService = ReturnType<typeof notificationService>;

/** Each delivery is a job of its own: retried with backoff, audited. */
export function notificationJobs(notifications: NotificationService): JobHandlers {
  return { [QUEUES.notification]: (d) => notifications.deliver(d.deliveryId) };
}
