// Reading the fleet: hosts, policies and the drift ledger (hosts touched by
// hand and not yet replaced, oldest first).
import type { PrismaClient } from '../db/client.js';
import { hasRole, type AuthUser } from '../auth/roles.js';
import { NotFoundError } from '../errors.js';
import { replacementInclude, toReplacementView } from '../replacement/replacement-views.js';
import { sessionInclude, toSessionView } from '../terminal/session-views.js';
import { hostInclude, toHostView } from './host-views.js';

export function hostService(prisma: PrismaClient) {
  return {
    async list(filter: { environment?: string; state?: string }) {
      const rows = await prisma.host.findMany({
        where: { environment: filter.environment, state: filter.state, retiredAt: null },
        include: hostInclude,
        orderBy: [{ environment: 'asc' }, { name: 'asc' }],
      });
      return rows.map((h) => toHostView(h));
    },

    async get(id: string) {
      const row = await prisma.host.findUnique({ where: { id }, include: hostInclude });
      if (!row) throw new NotFoundError('Host');
      return toHostView(row);
    },

    /** A requester sees the hosts and replacements, and only their own sessions (as GET /api/sessions shows them). */
    async drift(user: AuthUser) {
      const seesAll = hasRole(user, 'approver', 'auditor', 'admin');
      const hosts = await prisma.host.findMany({ where: { taintedAt: { not: null }, retiredAt: null }, include: hostInclude, orderBy: { taintedAt: 'asc' } });
      const now = Date.now();
      return Promise.all(
        hosts.map(async (h) => {
          const [sessions, replacement] = await Promise.all([
            // The session that tainted the host started a moment before the taint time (same
            // transaction, earlier clock): a session counts if it was open at or after it.
            prisma.session.findMany({
              where: {
                hostId: h.id,
                OR: [{ startedAt: { gte: h.taintedAt! } }, { endedAt: null }, { endedAt: { gte: h.taintedAt! } }],
                userId: seesAll ? undefined : user.id,
              },
              include: sessionInclude,
              orderBy: { startedAt: 'asc' },
            }),
            // Only a replacement of this drift, never the previous one's outcome.
            prisma.replacement.findFirst({
              where: { hostId: h.id, createdAt: { gte: h.taintedAt! } },
              include: replacementInclude,
              orderBy: { createdAt: 'desc' },
            }),
          ]);
          return {
            host: toHostView(h, now),
            taintedAt: h.taintedAt!.toISOString(),
            ageSeconds: Math.floor((now - h.taintedAt!.getTime()) / 1000),
            sessions: sessions.map((s) => toSessionView(s)),
            replacement: replacement ? toReplacementView(replacement) : null,
          };
        }),
      );
    },
  };
}

export type HostService = ReturnType<typeof hostService>;
