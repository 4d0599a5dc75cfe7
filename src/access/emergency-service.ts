// Emergency access ("break the glass"): granted at once (or after one approval)
// where the environment's policy allows it, told to every channel of the
// environment, and reviewed afterwards by an approver other than the requester
// within the policy's hours; a review not done in time is marked overdue and told.
import { refuseOwnDecision } from '../users/user-service.js';
import type { Config } from '../config.js';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { hasRole, type AuthUser } from '../auth/roles.js';
import { ConflictError, ForbiddenError, ValidationError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import type { Notifier } from '../notifications/notifier.js';
import { type JobHandlers, QUEUES, type Scheduler } from '../scheduler/scheduler.js';
import { hasControlChars } from './access-fns.js';
import { lockRequest } from './access-locks.js';
import { requestInclude, toRequestView } from './access-views.js';

type Deps = { prisma: PrismaClient; scheduler: Scheduler; notifier: Notifier; config: Pick<Config, 'minuteMs'> };

export type ReviewOutcome = 'acknowledged' | 'flagged';
export const REVIEW_STATES = ['open', 'overdue', 'done'] as const;

/**
 * Called in the transaction that grants an emergency request: starts the review
 * clock (hours of policy minutes, so tests can shorten it) and tells everyone.
 */
export async function emergencyGranted(tx: Tx, deps: Omit<Deps, 'prisma'>, requestId: string, reviewWithinHours: number, actor: Actor | null): Promise<void> {
  const reviewDueAt = new Date(Date.now() + reviewWithinHours * 60 * deps.config.minuteMs);
  await tx.accessRequest.update({ where: { id: requestId }, data: { reviewDueAt } });
  await appendAudit(tx, { type: 'emergency.granted', actor, subjectType: 'request', subjectId: requestId, data: { reviewDueAt } });
  await deps.scheduler.enqueue(tx, QUEUES.reviewDue, { requestId }, { startAfter: reviewDueAt });
  await deps.notifier.emit(tx, 'emergency.granted', requestId, { reviewDueAt: reviewDueAt.toISOString() });
}

export function emergencyService({ prisma, notifier }: Pick<Deps, 'prisma' | 'notifier'>) {
  return {
    async review(user: AuthUser, requestId: string, input: { outcome: ReviewOutcome; comment?: string }) {
      if (!hasRole(user, 'approver')) throw new ForbiddenError('Only approvers review emergency access.', 'role_required');
      const comment = input.comment?.trim() || null;
      if (input.outcome === 'flagged' && !comment) throw new ValidationError('a flag needs a comment saying what is wrong');
      if (comment && hasControlChars(comment)) throw new ValidationError('comment must not contain control characters');
      await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, requestId);
        await refuseOwnDecision(tx, request.requesterId, user.id, 'reviews their own emergency access');
        if (!request.emergency || !request.reviewDueAt) throw new ConflictError('Only a granted emergency request is reviewed.', 'not_emergency');
        if (request.reviewedAt) throw new ConflictError(`This emergency access was already reviewed by ${request.reviewedBy}.`, 'already_reviewed');
        await tx.accessRequest.update({
          where: { id: requestId },
          data: { reviewedAt: new Date(), reviewerId: user.id, reviewedBy: user.username, reviewOutcome: input.outcome, reviewComment: comment },
        });
        await appendAudit(tx, {
          type: 'emergency.reviewed',
          actor: user,
          subjectType: 'request',
          subjectId: requestId,
          data: { outcome: input.outcome, comment, overdue: request.reviewOverdueAt !== null },
        });
        await publish(tx, { type: 'change', kind: 'request', id: requestId });
      });
    },

    /** The review queue: open (not yet reviewed), overdue (open and past due), done. */
    async list(user: AuthUser, state: (typeof REVIEW_STATES)[number] | undefined) {
      if (!hasRole(user, 'approver', 'auditor', 'admin'))
        throw new ForbiddenError('Only approvers, auditors and admins see the review queue.', 'role_required');
      const open = { reviewDueAt: { not: null }, reviewedAt: null };
      const where =
        state === 'open'
          ? open
          : state === 'overdue'
            ? { ...open, reviewDueAt: { lt: new Date() } }
            : state === 'done'
              ? { reviewedAt: { not: null } }
              : { reviewDueAt: { not: null } };
      const rows = await prisma.accessRequest.findMany({ where, include: requestInclude, orderBy: { reviewDueAt: 'asc' }, take: 500 });
      return rows.map(toRequestView);
    },

    /** Job at the review's due time: still not reviewed → overdue, audited and told. */
    async markOverdue(requestId: string) {
      await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, requestId);
        if (!request.reviewDueAt || request.reviewedAt || request.reviewOverdueAt || request.reviewDueAt > new Date()) return;
        await tx.accessRequest.update({ where: { id: requestId }, data: { reviewOverdueAt: new Date() } });
        await appendAudit(tx, { type: 'emergency.review_overdue', subjectType: 'request', subjectId: requestId, data: { reviewDueAt: request.reviewDueAt } });
        await notifier.emit(tx, 'review.overdue', requestId, { reviewDueAt: request.reviewDueAt.toISOString() });
        await publish(tx, { type: 'change', kind: 'request', id: requestId });
      });
    },
  };
}

export type EmergencyService = ReturnType<typeof emergencyService>;

/** An emergency grant not reviewed in time becomes overdue. */
export function emergencyJobs(emergency: EmergencyService): JobHandlers {
  return { [QUEUES.reviewDue]: (d) => emergency.markOverdue(d.requestId) };
}
