import type { Prisma } from '../generated/prisma/client.js';
import type { ReplacementView } from '../schemas.js';
import type { ReplacementStatus } from '../states.js';

export const replacementInclude = {
  host: { select: { name: true } },
  captures: { select: { id: true, status: true, kind: true }, orderBy: { createdAt: 'desc' }, take: 1 },
} satisfies Prisma.ReplacementInclude;

interface ReplacementRow {
  id: string;
  hostId: string;
  sessionId: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  provider: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  host: { name: string };
  captures: { id: string; status: string; kind: string }[];
}

export function toReplacementView(r: ReplacementRow): ReplacementView {
  return {
    id: r.id,
    hostId: r.hostId,
    hostName: r.host.name,
    sessionId: r.sessionId,
    status: r.status as ReplacementStatus,
    attempts: r.attempts,
    lastError: r.lastError,
    provider: r.provider,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    capture: (r.captures[0] as ReplacementView['capture'] | undefined) ?? null,
  };
}
