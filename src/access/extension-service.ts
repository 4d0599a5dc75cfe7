// Extensions of an approved grant: the requester asks for more minutes (within
// the policy's maximum), the same number of approvals as the request is needed,
// and an approval moves the window's end on every replica: the expiry job is
// re-queued, and a change-feed message moves each live session's timers.
// Unanswered or denied, the grant ends as planned.
import { refuseOwnDecision } from '../users/user-service.js';
import type { Config } from '../config.js';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit } from '../audit/audit-service.js';
import { hasRole, type AuthUser } from '../auth/roles.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import type { Notifier } from '../notifications/notifier.js';
import { QUEUES, type Scheduler } from '../scheduler/scheduler.js';
import { hasControlChars } from './access-fns.js';
import { lockRequest } from './access-locks.js';
import { extensionProblem } from './extension-fns.js';

type Deps = { prisma: PrismaClient; scheduler: Scheduler; notifier: Notifier; config: Pick<Config, 'minuteMs'> };

const clockTime = (d: Date) => d.toISOString().slice(11, 19);

export function extensionService({ prisma, scheduler, notifier, config }: Deps) {
  /** The pending extension `extensionId` of `requestId`, locked with its request, that `user` may decide on now. */
  async function decidable(tx: Tx, user: AuthUser, requestId: string, extensionId: string) {
    if (!hasRole(user, 'approver')) throw new ForbiddenError('Only approvers can decide on extensions.', 'role_required');
    const request = await lockRequest(tx, requestId);
    const extension = await tx.extension.findFirst({ where: { id: extensionId, requestId } });
    if (!extension) throw new NotFoundError('Extension');
    await refuseOwnDecision(tx, request.requesterId, user.id, 'approves or denies their own extension');
    if (extension.status !== 'pending') throw new ConflictError(`This extension is ${extension.status}, not pending.`, 'wrong_state');
    if (request.status !== 'approved' || !request.expiresAt || request.expiresAt <= new Date()) {
      throw new ConflictError('The grant has already ended; it can no longer be extended.', 'wrong_state');
    }
    const already = await tx.extensionDecision.findUnique({ where: { extensionId_approverId: { extensionId, approverId: user.id } } });
    if (already) throw new ConflictError('You have already decided on this extension.', 'already_decided');
    return { request, extension };
  }

  /** Tells every replica's live sessions of this grant; with `expiresAt`, they move their end to it. */
  const tell = (tx: Tx, requestId: string, message: string, expiresAt?: Date) =>
    publish(tx, { type: 'grant-notice', requestId, message, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) });

  return {
    async ask(user: AuthUser, requestId: string, input: { minutes: number; reason: string }) {
      if (input.reason.trim() === '' || hasControlChars(input.reason)) throw new ValidationError('reason must not be blank or contain control characters');
      return prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, requestId);
        if (request.requesterId !== user.id) throw new ForbiddenError('Only the requester can ask to extend this grant.', 'not_requester');
        if (request.status !== 'approved' || !request.expiresAt || request.expiresAt <= new Date()) {
          throw new ConflictError(`This grant is ${request.status === 'approved' ? 'over' : request.status}; it cannot be extended.`, 'wrong_state');
        }
        if (await tx.extension.count({ where: { requestId, status: 'pending' } }))
          throw new ConflictError('An extension of this grant is already waiting for approval.', 'extension_pending');
        const policy = await tx.policy.findUnique({ where: { environment: request.host.environment } });
        const problem = extensionProblem(input.minutes, request, policy);
        if (problem) throw new ValidationError(problem);
        const extension = await tx.extension.create({
          data: { requestId, minutes: input.minutes, reason: input.reason, approvalsRequired: request.approvalsRequired },
        });
        await appendAudit(tx, {
          type: 'extension.requested',
          actor: user,
          subjectType: 'request',
          subjectId: requestId,
          data: { extensionId: extension.id, minutes: input.minutes, reason: input.reason },
        });
        await notifier.emit(tx, 'extension.requested', requestId, { extensionMinutes: input.minutes, extensionReason: input.reason });
        await tell(
          tx,
          requestId,
          `Extension of ${input.minutes} minute(s) requested; waiting for approval. Until then access ends at ${clockTime(request.expiresAt)} UTC.`,
        );
        await publish(tx, { type: 'change', kind: 'request', id: requestId });
        return extension.id;
      });
    },

    async approve(user: AuthUser, requestId: string, extensionId: string, comment: string | undefined) {
      if (comment && hasControlChars(comment)) throw new ValidationError('comment must not contain control characters');
      await prisma.$transaction(async (tx) => {
        const { request, extension } = await decidable(tx, user, requestId, extensionId);
        // The policy in force now, not the one it was asked under: a tightened maximum holds for approvals still to come.
        const policy = await tx.policy.findUnique({ where: { environment: request.host.environment } });
        const problem = extensionProblem(extension.minutes, request, policy);
        if (problem)
          throw new ConflictError(`The policy changed since this extension was asked: ${problem} Deny it, and ask again within the policy.`, 'exceeds_policy');
        await tx.extensionDecision.create({
          data: { extensionId, approverId: user.id, approver: user.username, decision: 'approve', comment: comment ?? null },
        });
        const count = await tx.extensionDecision.count({ where: { extensionId, decision: 'approve' } });
        await appendAudit(tx, {
          type: 'extension.approval',
          actor: user,
          subjectType: 'request',
          subjectId: requestId,
          data: { extensionId, comment: comment ?? null, approvals: count, required: extension.approvalsRequired },
        });
        await publish(tx, { type: 'change', kind: 'request', id: requestId });
        if (count < extension.approvalsRequired) return;
        const expiresAt = new Date(request.expiresAt!.getTime() + extension.minutes * config.minuteMs);
        await tx.extension.update({ where: { id: extensionId }, data: { status: 'approved', decidedAt: new Date() } });
        await tx.accessRequest.update({ where: { id: requestId }, data: { expiresAt, extendedMinutes: { increment: extension.minutes } } });
        await appendAudit(tx, {
          type: 'extension.approved',
          actor: user,
          subjectType: 'request',
          subjectId: requestId,
          data: { extensionId, minutes: extension.minutes, from: request.expiresAt, to: expiresAt },
        });
        // The job queued for the old end finds the window still open and does nothing.
        await scheduler.enqueue(tx, QUEUES.grantExpiry, { requestId }, { startAfter: expiresAt });
        await notifier.emit(tx, 'extension.approved', requestId, { extensionMinutes: extension.minutes });
        await tell(tx, requestId, `Extension approved: access now ends at ${clockTime(expiresAt)} UTC (${extension.minutes} more minute(s)).`, expiresAt);
      });
    },

    async deny(user: AuthUser, requestId: string, extensionId: string, comment: string) {
      if (hasControlChars(comment)) throw new ValidationError('comment must not contain control characters');
      await prisma.$transaction(async (tx) => {
        const { request } = await decidable(tx, user, requestId, extensionId);
        await tx.extensionDecision.create({ data: { extensionId, approverId: user.id, approver: user.username, decision: 'deny', comment } });
        await tx.extension.update({ where: { id: extensionId }, data: { status: 'denied', decidedAt: new Date() } });
        await appendAudit(tx, { type: 'extension.denied', actor: user, subjectType: 'request', subjectId: requestId, data: { extensionId, comment } });
        await notifier.emit(tx, 'extension.denied', requestId, { comment });
        await tell(tx, requestId, `Extension denied: access ends as planned at ${clockTime(request.expiresAt!)} UTC.`);
        await publish(tx, { type: 'change', kind: 'request', id: requestId });
      });
    },
  };
}

/** When a grant ends (closed or revoked), a pending extension can no longer be answered. */
export async function expirePendingExtensions(tx: Tx, requestId: string): Promise<void> {
  await tx.extension.updateMany({ where: { requestId, status: 'pending' }, data: { status: 'expired', decidedAt: new Date() } });
}

export type ExtensionService = ReturnType<typeof extensionService>;
