import type { Prisma } from '../generated/prisma/client.js';
import type { HostView } from '../schemas.js';
import { OPEN_REPLACEMENT_STATUSES } from '../states.js';
import type { HostState } from '../states.js';

export const hostInclude = {
  image: { select: { id: true, name: true, version: true } },
  replacements: { where: { status: { in: OPEN_REPLACEMENT_STATUSES } }, select: { id: true, status: true, attempts: true }, take: 1 },
} satisfies Prisma.HostInclude;

interface HostRow {
  id: string;
  name: string;
  environment: string;
  connector: string;
  state: string;
  instance: number;
  taintedAt: Date | null;
  retiredAt: Date | null;
  ownerBrokerId?: string | null;
  hostKeyFingerprint: string | null;
  hostKeyRecordedAt: Date | null;
  image: { id: string; name: string; version: string };
  replacements: { id: string; status: string; attempts: number }[];
}

export function toHostView(h: HostRow, now = Date.now()): HostView {
  return {
    id: h.id,
    name: h.name,
    environment: h.environment,
    image: h.image,
    connector: h.connector,
    state: h.state as HostState,
    instance: h.instance,
    taintedAt: h.taintedAt?.toISOString() ?? null,
    driftAgeSeconds: h.taintedAt ? Math.max(0, Math.floor((now - h.taintedAt.getTime()) / 1000)) : null,
    retiredAt: h.retiredAt?.toISOString() ?? null,
    pendingReplacement: (h.replacements[0] as HostView['pendingReplacement'] | undefined) ?? null,
    owner: h.ownerBrokerId ?? null,
    hostKey: h.hostKeyFingerprint && h.hostKeyRecordedAt ? { fingerprint: h.hostKeyFingerprint, recordedAt: h.hostKeyRecordedAt.toISOString() } : null,
  };
}
