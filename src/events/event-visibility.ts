// Which change notifications a user's event stream carries: the same things the
// user may read through the API. Approvers, auditors and admins read everything;
// a requester reads hosts and replacements, and only their own requests and
// sessions (never the audit trail).
import { seesEverything, type AuthUser } from '../auth/roles.js';
import type { PrismaClient } from '../db/client.js';
import type { ChangeKind } from './change-feed.js';

export type EventVisibility = (user: AuthUser, change: { kind: ChangeKind; id: string }) => Promise<boolean>;

export function eventVisibility(prisma: PrismaClient): EventVisibility {
  return async (user, { kind, id }) => {
    if (seesEverything(user)) return true;
    switch (kind) {
      case 'host':
      case 'replacement':
        return true;
      case 'request':
        return (await prisma.accessRequest.count({ where: { id, requesterId: user.id } })) > 0;
      case 'session':
        return (await prisma.session.count({ where: { id, userId: user.id } })) > 0;
      default:
        return false;
    }
  };
}
