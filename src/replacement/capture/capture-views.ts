// The contract's shape of a capture: a summary in lists, the items (the file
// diff, the snapshots, the pod's spec and logs) when one capture is read.
import { Type, type Static } from '@fastify/type-provider-typebox';

export const CaptureSchema = Type.Object({
  id: Type.String(),
  replacementId: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  sessionIds: Type.Array(Type.String()),
  provider: Type.String(),
  kind: Type.String(),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  error: Type.Union([Type.String(), Type.Null()]),
  summary: Type.Record(Type.String(), Type.Unknown()),
  items: Type.Optional(Type.Array(Type.Unknown())),
  createdAt: Type.String({ format: 'date-time' }),
});
export type CaptureView = Static<typeof CaptureSchema>;

export const captureInclude = { host: { select: { name: true } } } as const;

interface CaptureRow {
  id: string;
  replacementId: string;
  hostId: string;
  sessionIds: string[];
  provider: string;
  kind: string;
  status: string;
  error: string | null;
  summary: unknown;
  items?: unknown;
  createdAt: Date;
  host: { name: string };
}

export function toCaptureView(c: CaptureRow): CaptureView {
  return {
    id: c.id,
    replacementId: c.replacementId,
    hostId: c.hostId,
    hostName: c.host.name,
    sessionIds: c.sessionIds,
    provider: c.provider,
    kind: c.kind,
    status: c.status as CaptureView['status'],
    error: c.error,
    summary: c.summary as Record<string, unknown>,
    ...(c.items !== undefined ? { items: c.items as unknown[] } : {}),
    createdAt: c.createdAt.toISOString(),
  };
}
