import type { Prisma } from '../generated/prisma/client.js';
import type { RequestView } from '../schemas.js';
import type { ApprovalDecision, ExtensionStatus, RequestStatus, ReviewOutcome } from '../states.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const requestInclude = {
  host: { select: { name: true, environment: true } },
  requester: { select: { username: true } },
  approvals: { include: { approver: { select: { username: true } } }, orderBy: { createdAt: 'asc' as const } },
  extensions: { include: { decisions: { orderBy: { createdAt: 'asc' as const } } }, orderBy: { createdAt: 'asc' as const } },
} satisfies Prisma.AccessRequestInclude;

interface RequestRow {
  id: string;
  hostId: string;
  requesterId: string;
  reason: string;
  ticket: string | null;
  durationMinutes: number;
  status: string;
  approvalsRequired: number;
  createdAt: Date;
  pendingUntil: Date;
  approvedAt: Date | null;
  expiresAt: Date | null;
  closedAt: Date | null;
  host: { name: string; environment: string };
  requester: { username: string };
  approvals: { decision: string; comment: string | null; createdAt: Date; approver: { username: string } }[];
  extendedMinutes: number;
  emergency: boolean;
  reviewDueAt: Date | null;
  reviewOverdueAt: Date | null;
  reviewedAt: Date | null;
  reviewedBy: string | null;
  reviewOutcome: string | null;
  reviewComment: string | null;
  extensions: {
    id: string;
    minutes: number;
    reason: string;
    status: string;
    approvalsRequired: number;
    createdAt: Date;
    decidedAt: Date | null;
    decisions: { approver: string; decision: string; comment: string | null; createdAt: Date }[];
  }[];
}

export function toRequestView(r: RequestRow): RequestView {
  return {
    id: r.id,
    hostId: r.hostId,
    hostName: r.host.name,
    environment: r.host.environment,
    requester: r.requester.username,
    requesterId: r.requesterId,
    reason: r.reason,
    ticket: r.ticket,
    durationMinutes: r.durationMinutes,
    status: r.status as RequestStatus,
    approvalsRequired: r.approvalsRequired,
    approvals: r.approvals.map((a) => ({
      approver: a.approver.username,
      decision: a.decision as ApprovalDecision,
      comment: a.comment,
      at: a.createdAt.toISOString(),
    })),
    createdAt: r.createdAt.toISOString(),
    pendingUntil: r.pendingUntil.toISOString(),
    approvedAt: iso(r.approvedAt),
    expiresAt: iso(r.expiresAt),
    closedAt: iso(r.closedAt),
    extendedMinutes: r.extendedMinutes,
    emergency: r.emergency,
    review: r.reviewDueAt
      ? {
          dueAt: r.reviewDueAt.toISOString(),
          overdueAt: iso(r.reviewOverdueAt),
          reviewedAt: iso(r.reviewedAt),
          reviewer: r.reviewedBy,
          outcome: r.reviewOutcome as ReviewOutcome | null,
          comment: r.reviewComment,
        }
      : null,
    extensions: r.extensions.map((e) => ({
      id: e.id,
      minutes: e.minutes,
      reason: e.reason,
      status: e.status as ExtensionStatus,
      approvalsRequired: e.approvalsRequired,
      decisions: e.decisions.map((d) => ({
        approver: d.approver,
        decision: d.decision as ApprovalDecision,
        comment: d.comment,
        at: d.createdAt.toISOString(),
      })),
      createdAt: e.createdAt.toISOString(),
      decidedAt: iso(e.decidedAt),
    })),
  };
}
