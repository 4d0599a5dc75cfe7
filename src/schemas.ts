// Response schemas of the HTTP contract (docs/api.md): fastify serialises with
// them (nothing unlisted leaks) and route types come from them.
import { Type, type Static } from '@fastify/type-provider-typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const MaybeTime = Nullable(Time);

export const ErrorSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export const UserSchema = Type.Object({ id: Type.String(), username: Type.String(), roles: Type.Array(Type.String()) });

export const PolicySchema = Type.Object({
  environment: Type.String(),
  approvalsRequired: Type.Integer(),
  minDurationMinutes: Type.Integer(),
  maxDurationMinutes: Type.Integer(),
});

export const ImageSchema = Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() });

export const HostSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  environment: Type.String(),
  image: ImageSchema,
  connector: Type.String(),
  state: Type.String(),
  instance: Type.Integer(),
  taintedAt: MaybeTime,
  driftAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
  retiredAt: MaybeTime,
  pendingReplacement: Type.Union([Type.Object({ id: Type.String(), status: Type.String(), attempts: Type.Integer() }), Type.Null()]),
  /** The broker replica whose machine a `local` host is on (it runs its sessions and rebuilds). */
  owner: Type.Union([Type.String(), Type.Null()]),
});

export const ApprovalSchema = Type.Object({
  approver: Type.String(),
  decision: Type.String(),
  comment: Nullable(Type.String()),
  at: Time,
});

export const RequestSchema = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  environment: Type.String(),
  requester: Type.String(),
  requesterId: Type.String(),
  reason: Type.String(),
  ticket: Nullable(Type.String()),
  durationMinutes: Type.Integer(),
  status: Type.String(),
  approvalsRequired: Type.Integer(),
  approvals: Type.Array(ApprovalSchema),
  createdAt: Time,
  pendingUntil: Time,
  approvedAt: MaybeTime,
  expiresAt: MaybeTime,
  closedAt: MaybeTime,
});

export const SessionSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  user: Type.String(),
  startedAt: Time,
  endedAt: MaybeTime,
  endReason: Nullable(Type.String()),
  bytesIn: Type.Integer(),
  bytesOut: Type.Integer(),
  live: Type.Boolean(),
  expiresAt: MaybeTime,
});

export const ReplacementSchema = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  sessionId: Nullable(Type.String()),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  provider: Type.String(),
  createdAt: Time,
  startedAt: MaybeTime,
  finishedAt: MaybeTime,
});

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Time,
  type: Type.String(),
  actor: Nullable(Type.String()),
  actorId: Nullable(Type.String()),
  subjectType: Nullable(Type.String()),
  subjectId: Nullable(Type.String()),
  data: Type.Unknown(),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export type HostView = Static<typeof HostSchema>;
export type RequestView = Static<typeof RequestSchema>;
export type SessionView = Static<typeof SessionSchema>;
export type ReplacementView = Static<typeof ReplacementSchema>;

// Host administration and the SSH CA (admin only).
export const ImageAdminSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  source: Type.String(),
  createdAt: Time,
  hosts: Type.Integer(),
});

export const HostAdminSchema = Type.Object({
  ...HostSchema.properties,
  connectorConfig: Type.Record(Type.String(), Type.Unknown()),
});

export const SshCaSchema = Type.Object({ publicKey: Type.String(), fingerprint: Type.String() });
