// Requests, approvals, denials, revocation and the two clocks of a request:
// the pending TTL and the grant window. Each change and its audit event share a transaction.
import type { Config } from '../config.js';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit } from '../audit/audit-service.js';
import { hasRole, mayRevokeOthers, seesEverything, type AuthUser } from '../auth/roles.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { type JobHandlers, QUEUES, type Scheduler } from '../scheduler/scheduler.js';
import { durationProblem, hasControlChars, windowEnd } from './access-fns.js';
import { requestInclude, toRequestView } from './access-views.js';
import { assertHostGrantable, lockRequest } from './access-locks.js';
import { refuseOwnDecision } from '../users/user-service.js';
import { expirePendingExtensions } from './extension-service.js';
import { emergencyGranted } from './emergency-service.js';
import { silentNotifier, type Notifier } from '../notifications/notifier.js';

export interface NewRequest {
  hostId: string;
  reason: string;
  ticket?: string | null;
  durationMinutes: number;
  /** Break the glass: allowed only where the environment's policy says so (issue 12). */
  emergency?: boolean;
}

type Deps = { prisma: PrismaClient; scheduler: Scheduler; config: Pick<Config, 'minuteMs' | 'requestTtlMinutes'>; notifier?: Notifier };

export function accessService({ prisma, scheduler, config, notifier = silentNotifier }: Deps) {
  /** Opens the grant window now; an emergency grant also starts its review clock. */
  async function grant(tx: Tx, request: { id: string; durationMinutes: number; emergency: boolean }, reviewWithinHours: number, actor: AuthUser | null) {
    const approvedAt = new Date();
    const expiresAt = windowEnd(approvedAt, request.durationMinutes, config.minuteMs);
    await tx.accessRequest.update({ where: { id: request.id }, data: { status: 'approved', approvedAt, expiresAt } });
    await appendAudit(tx, {
      type: 'request.approved',
      actor,
      subjectType: 'request',
      subjectId: request.id,
      data: { approvedAt, expiresAt, emergency: request.emergency },
    });
    await scheduler.enqueue(tx, QUEUES.grantExpiry, { requestId: request.id }, { startAfter: expiresAt });
    if (request.emergency) await emergencyGranted(tx, { scheduler, notifier, config }, request.id, reviewWithinHours, actor);
    else await notifier.emit(tx, 'request.approved', request.id);
  }

  async function view(id: string) {
    return toRequestView(await prisma.accessRequest.findUniqueOrThrow({ where: { id }, include: requestInclude }));
  }

  function checkText(input: NewRequest) {
    if (input.reason.trim() === '') throw new ValidationError('reason must not be blank');
    if (hasControlChars(input.reason) || hasControlChars(input.ticket ?? '')) {
      throw new ValidationError('reason and ticket must not contain control, bidi-override or invisible characters');
    }
  }

  return {
    async create(user: AuthUser, input: NewRequest) {
      if (!hasRole(user, 'requester')) throw new ForbiddenError('Only requesters can ask for access.', 'role_required');
      checkText(input);
      const host = await prisma.host.findUnique({ where: { id: input.hostId } });
      if (!host) throw new NotFoundError('Host');
      const policy = await prisma.policy.findUnique({ where: { environment: host.environment } });
      if (!policy) throw new ConflictError(`No access policy covers environment "${host.environment}"; ask an admin to add one.`, 'no_policy');
      const emergency = input.emergency === true;
      if (emergency && !policy.emergencyAllowed)
        throw new ForbiddenError(`Emergency access is not allowed in environment "${host.environment}".`, 'emergency_not_allowed');
      const problem = emergency
        ? durationProblem(input.durationMinutes, { ...policy, minDurationMinutes: 1, maxDurationMinutes: policy.emergencyMaxDurationMinutes })
        : durationProblem(input.durationMinutes, policy);
      if (problem) throw new ValidationError(problem);
      const approvalsRequired = emergency ? policy.emergencyApprovalsRequired : policy.approvalsRequired;
      const id = await prisma.$transaction(async (tx) => {
        await assertHostGrantable(tx, host.id);
        const pendingUntil = new Date(Date.now() + config.requestTtlMinutes * config.minuteMs);
        const request = await tx.accessRequest.create({
          data: {
            hostId: host.id,
            requesterId: user.id,
            reason: input.reason,
            ticket: input.ticket ?? null,
            durationMinutes: input.durationMinutes,
            approvalsRequired,
            pendingUntil,
            emergency,
          },
        });
        await appendAudit(tx, {
          type: 'request.created',
          actor: user,
          subjectType: 'request',
          subjectId: request.id,
          data: { hostId: host.id, host: host.name, reason: input.reason, ticket: input.ticket ?? null, durationMinutes: input.durationMinutes, emergency },
        });
        if (approvalsRequired === 0) {
          await grant(tx, request, policy.reviewWithinHours, user);
        } else {
          await scheduler.enqueue(tx, QUEUES.requestTtl, { requestId: request.id }, { startAfter: pendingUntil });
          await notifier.emit(tx, 'request.created', request.id);
        }
        await publish(tx, { type: 'change', kind: 'request', id: request.id });
        return request.id;
      });
      return view(id);
    },

    async list(user: AuthUser, filter: { status?: string; hostId?: string }) {
      const mine = seesEverything(user) ? undefined : user.id;
      const rows = await prisma.accessRequest.findMany({
        where: { status: filter.status, hostId: filter.hostId, requesterId: mine },
        include: requestInclude,
        orderBy: { createdAt: 'desc' },
        take: 500,
      });
      return rows.map(toRequestView);
    },

    async get(user: AuthUser, id: string) {
      const row = await prisma.accessRequest.findUnique({ where: { id }, include: requestInclude });
      if (!row || (row.requesterId !== user.id && !seesEverything(user))) throw new NotFoundError('Request');
      return toRequestView(row);
    },

    async approve(user: AuthUser, id: string, comment: string | undefined) {
      if (hasControlChars(comment ?? '')) throw new ValidationError('comment must not contain control, bidi-override or invisible characters');
      await prisma.$transaction(async (tx) => {
        const request = await decidable(tx, user, id);
        await assertHostGrantable(tx, request.hostId);
        await tx.approval.create({ data: { requestId: id, approverId: user.id, decision: 'approve', comment: comment ?? null } });
        const count = await tx.approval.count({ where: { requestId: id, decision: 'approve' } });
        await appendAudit(tx, {
          type: 'request.approval',
          actor: user,
          subjectType: 'request',
          subjectId: id,
          data: { comment: comment ?? null, approvals: count, required: request.approvalsRequired },
        });
        if (count >= request.approvalsRequired) {
          const policy = await tx.policy.findUnique({ where: { environment: request.host.environment } });
          await grant(tx, request, policy?.reviewWithinHours ?? 24, user);
        }
        await publish(tx, { type: 'change', kind: 'request', id });
      });
      return view(id);
    },

    async deny(user: AuthUser, id: string, comment: string) {
      if (hasControlChars(comment)) throw new ValidationError('comment must not contain control, bidi-override or invisible characters');
      await prisma.$transaction(async (tx) => {
        await decidable(tx, user, id);
        await tx.approval.create({ data: { requestId: id, approverId: user.id, decision: 'deny', comment } });
        await tx.accessRequest.update({ where: { id }, data: { status: 'denied', closedAt: new Date() } });
        await appendAudit(tx, { type: 'request.denied', actor: user, subjectType: 'request', subjectId: id, data: { comment } });
        await notifier.emit(tx, 'request.denied', id, { comment });
        await publish(tx, { type: 'change', kind: 'request', id });
      });
      return view(id);
    },

    /** Ends a grant now; every broker kills its live sessions of it when the transaction commits. */
    async revoke(user: AuthUser, id: string) {
      await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, id);
        const own = request.requesterId === user.id;
        if (!own && !mayRevokeOthers(user)) throw new ForbiddenError('Only approvers, admins or the requester can revoke a grant.', 'role_required');
        if (request.status !== 'approved') {
          // A grant already revoked or closed whose shell still runs (a kill that
          // was lost somewhere): revoking again kills it rather than refusing.
          const open = ['revoked', 'closed'].includes(request.status) ? await tx.session.count({ where: { requestId: id, endedAt: null } }) : 0;
          if (open === 0) throw new ConflictError(`Only an approved grant can be revoked; this request is ${request.status}.`, 'wrong_state');
          await appendAudit(tx, { type: 'request.revoked', actor: user, subjectType: 'request', subjectId: id, data: { again: true, openSessions: open } });
          await publish(tx, { type: 'kill', requestId: id, reason: 'revoked' });
          return;
        }
        await tx.accessRequest.update({ where: { id }, data: { status: 'revoked', closedAt: new Date() } });
        await appendAudit(tx, { type: 'request.revoked', actor: user, subjectType: 'request', subjectId: id });
        await expirePendingExtensions(tx, id);
        await publish(tx, { type: 'kill', requestId: id, reason: 'revoked' });
        await publish(tx, { type: 'change', kind: 'request', id });
      });
      return view(id);
    },

    /** The requester takes back a request nobody has decided on yet (issue 14); audited. */
    async withdraw(user: AuthUser, id: string) {
      await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, id);
        if (request.requesterId !== user.id) {
          if (!seesEverything(user)) throw new NotFoundError('Request');
          throw new ForbiddenError('Only the requester can withdraw a request.', 'not_requester');
        }
        if (request.status !== 'pending') throw new ConflictError(`Only a pending request can be withdrawn; this request is ${request.status}.`, 'wrong_state');
        await tx.accessRequest.update({ where: { id }, data: { status: 'withdrawn', closedAt: new Date() } });
        await appendAudit(tx, { type: 'request.withdrawn', actor: user, subjectType: 'request', subjectId: id });
        await publish(tx, { type: 'change', kind: 'request', id });
      });
      return view(id);
    },

    /** Job: a request nobody answered in time expires. */
    async expirePending(id: string) {
      await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, id);
        if (request.status !== 'pending' || request.pendingUntil > new Date()) return;
        await tx.accessRequest.update({ where: { id }, data: { status: 'expired', closedAt: new Date() } });
        await appendAudit(tx, { type: 'request.expired', subjectType: 'request', subjectId: id, data: { pendingUntil: request.pendingUntil } });
        await notifier.emit(tx, 'request.expired', id);
        await publish(tx, { type: 'change', kind: 'request', id });
      });
    },

    /** Job: the grant window is over; sessions still open anywhere are killed. */
    async closeGrant(id: string) {
      await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, id);
        if (request.status !== 'approved' || !request.expiresAt || request.expiresAt > new Date()) return;
        await tx.accessRequest.update({ where: { id }, data: { status: 'closed', closedAt: new Date() } });
        await appendAudit(tx, { type: 'grant.closed', subjectType: 'request', subjectId: id, data: { expiresAt: request.expiresAt } });
        await expirePendingExtensions(tx, id);
        await publish(tx, { type: 'kill', requestId: id, reason: 'expired' });
        await publish(tx, { type: 'change', kind: 'request', id });
      });
    },
  };
}

/** Locks a request that `user` may decide on now, or says why not. */
async function decidable(tx: Tx, user: AuthUser, id: string) {
  if (!hasRole(user, 'approver')) throw new ForbiddenError('Only approvers can decide on requests.', 'role_required');
  const request = await lockRequest(tx, id);
  await refuseOwnDecision(tx, request.requesterId, user.id, 'approves or denies their own request');
  if (request.status !== 'pending') throw new ConflictError(`This request is ${request.status}, not pending.`, 'wrong_state');
  if (request.pendingUntil <= new Date()) throw new ConflictError('This request has expired unanswered.', 'wrong_state');
  const already = await tx.approval.findUnique({ where: { requestId_approverId: { requestId: id, approverId: user.id } } });
  if (already) throw new ConflictError('You have already decided on this request.', 'already_decided');
  return request;
}

export type AccessService = ReturnType<typeof accessService>;

/** The jobs of a request's two clocks: its pending TTL and its grant window. */
export function accessJobs(access: AccessService): JobHandlers {
  return {
    [QUEUES.requestTtl]: (d) => access.expirePending(d.requestId),
    [QUEUES.grantExpiry]: (d) => access.closeGrant(d.requestId),
  };
}
