import type { Prisma } from '../generated/prisma/client.js';
import type { SessionView } from '../schemas.js';
import type { EndReason } from './protocol.js';

export const sessionInclude = {
  host: { select: { name: true } },
  user: { select: { username: true } },
  request: { select: { expiresAt: true, emergency: true } },
} satisfies Prisma.SessionInclude;

interface SessionRow {
  id: string;
  requestId: string;
  hostId: string;
  startedAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  bytesIn: bigint;
  bytesOut: bigint;
  host: { name: string };
  user: { username: string };
  request: { expiresAt: Date | null; emergency: boolean };
}

export function toSessionView(s: SessionRow, live?: { bytesIn: number; bytesOut: number }): SessionView {
  return {
    id: s.id,
    requestId: s.requestId,
    hostId: s.hostId,
    hostName: s.host.name,
    user: s.user.username,
    startedAt: s.startedAt.toISOString(),
    endedAt: s.endedAt?.toISOString() ?? null,
    endReason: s.endReason as EndReason | null,
    bytesIn: live?.bytesIn ?? Number(s.bytesIn),
    bytesOut: live?.bytesOut ?? Number(s.bytesOut),
    live: s.endedAt === null,
    expiresAt: s.request.expiresAt?.toISOString() ?? null,
    emergency: s.request.emergency,
  };
}
