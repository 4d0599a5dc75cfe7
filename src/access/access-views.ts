import type { Prisma } from '../generated/prisma/client.js';
import type { RequestView } from '../schemas.js';
import type { ApprovalDecision, RequestStatus } from '../states.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const requestInclude = {
  host: { select: { name: true, environment: true } },
  requester: { select: { username: true } },
  approvals: { include: { approver: { select: { username: true } } }, orderBy: { createdAt: 'asc' as const } },
} satisfies Prisma.AccessRequestInclude;

interface RequestRow {
  id: string; hostId: string; requesterId: string; reason: string; ticket: string | null; durationMinutes: number;
  status: string; approvalsRequired: number; createdAt: Date; pendingUntil: Date; approvedAt: Date | null;
  expiresAt: Date | null; closedAt: Date | null;
  host: { name: string; environment: string };
  requester: { username: string };
  approvals: { decision: string; comment: string | null; createdAt: Date; approver: { username: string } }[];
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
    approvals: r.approvals.map((a) => ({ approver: a.approver.username, decision: a.decision as ApprovalDecision, comment: a.comment, at: a.createdAt.toISOString() })),
    createdAt: r.createdAt.toISOString(),
    pendingUntil: r.pendingUntil.toISOString(),
    approvedAt: iso(r.approvedAt),
    expiresAt: iso(r.expiresAt),
    closedAt: iso(r.closedAt),
  };
}
