// Response schemas of the HTTP contract (docs/api.md): fastify serialises with
// them (nothing unlisted leaks) and route types come from them.
import { Type, type Static } from '@fastify/type-provider-typebox';
import { ROLES } from './auth/roles.js';
import { APPROVAL_DECISIONS, EXTENSION_STATUSES, HOST_STATES, REPLACEMENT_STATUSES, REQUEST_STATUSES, REVIEW_OUTCOMES } from './states.js';
import { END_REASONS } from './terminal/protocol.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const MaybeTime = Nullable(Time);
/** A string that is one of a known list: the document and the types name every value. */
export const OneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>(Type.String({ enum: [...values] }));
/** The same or null (OpenAPI 3.0 wants null among the enum's values too). */
const MaybeOneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T | null>({ type: 'string', nullable: true, enum: [...values, null] });

export const ErrorSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
/** The error responses a route can give, each in the one error shape (docs/api.md, "Conventions"). */
export const errorResponses = (...codes: (400 | 401 | 403 | 404 | 409)[]) => Object.fromEntries(codes.map((c) => [c, ErrorSchema]));

export const UserSchema = Type.Object({ id: Type.String(), username: Type.String(), roles: Type.Array(OneOf(ROLES)) });

/** An account as admins manage it (GET /api/users). */
export const UserAdminSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  roles: Type.Array(OneOf(ROLES)),
  email: Nullable(Type.String()),
  displayName: Nullable(Type.String()),
  source: OneOf(['local', 'sso'] as const),
  disabled: Type.Boolean(),
  createdAt: Time,
});

export const PolicySchema = Type.Object({
  environment: Type.String(),
  approvalsRequired: Type.Integer(),
  minDurationMinutes: Type.Integer(),
  maxDurationMinutes: Type.Integer(),
  idleTimeoutMinutes: Type.Union([Type.Integer(), Type.Null()]),
  emergencyAllowed: Type.Boolean(),
  emergencyApprovalsRequired: Type.Integer(),
  emergencyMaxDurationMinutes: Type.Integer(),
  reviewWithinHours: Type.Integer(),
});

export const ImageSchema = Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() });

export const HostSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  environment: Type.String(),
  image: ImageSchema,
  connector: Type.String(),
  state: OneOf(HOST_STATES),
  instance: Type.Integer(),
  taintedAt: MaybeTime,
  driftAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
  retiredAt: MaybeTime,
  pendingReplacement: Type.Union([Type.Object({ id: Type.String(), status: OneOf(REPLACEMENT_STATUSES), attempts: Type.Integer() }), Type.Null()]),
  /** The broker replica whose machine a `local` host is on (it runs its sessions and rebuilds). */
  owner: Type.Union([Type.String(), Type.Null()]),
  /** Issue 13: the host key learnt through the host CA when the host was last replaced. */
  hostKey: Type.Union([Type.Object({ fingerprint: Type.String(), recordedAt: Time }), Type.Null()]),
});

export const ApprovalSchema = Type.Object({
  approver: Type.String(),
  decision: OneOf(APPROVAL_DECISIONS),
  comment: Nullable(Type.String()),
  at: Time,
});

// Issue 12: a grant's extensions, and the review an emergency grant needs afterwards.
export const ExtensionSchema = Type.Object({
  id: Type.String(),
  minutes: Type.Integer(),
  reason: Type.String(),
  status: OneOf(EXTENSION_STATUSES),
  approvalsRequired: Type.Integer(),
  decisions: Type.Array(ApprovalSchema),
  createdAt: Time,
  decidedAt: MaybeTime,
});

export const ReviewSchema = Type.Object({
  dueAt: Time,
  overdueAt: MaybeTime,
  reviewedAt: MaybeTime,
  reviewer: Nullable(Type.String()),
  outcome: MaybeOneOf(REVIEW_OUTCOMES),
  comment: Nullable(Type.String()),
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
  status: OneOf(REQUEST_STATUSES),
  approvalsRequired: Type.Integer(),
  approvals: Type.Array(ApprovalSchema),
  createdAt: Time,
  pendingUntil: Time,
  approvedAt: MaybeTime,
  expiresAt: MaybeTime,
  closedAt: MaybeTime,
  extendedMinutes: Type.Integer(),
  emergency: Type.Boolean(),
  review: Type.Union([ReviewSchema, Type.Null()]),
  extensions: Type.Array(ExtensionSchema),
});

export const SessionSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  user: Type.String(),
  startedAt: Time,
  endedAt: MaybeTime,
  endReason: MaybeOneOf(END_REASONS),
  bytesIn: Type.Integer(),
  bytesOut: Type.Integer(),
  live: Type.Boolean(),
  expiresAt: MaybeTime,
  emergency: Type.Boolean(),
});

export const ReplacementSchema = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  sessionId: Nullable(Type.String()),
  status: OneOf(REPLACEMENT_STATUSES),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  provider: Type.String(),
  createdAt: Time,
  startedAt: MaybeTime,
  finishedAt: MaybeTime,
  /** The latest evidence taken before this replacement's teardown (issue 13). */
  capture: Type.Union([Type.Object({ id: Type.String(), status: OneOf(['succeeded', 'failed'] as const), kind: Type.String() }), Type.Null()]),
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

export const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  count: Type.Integer(),
  head: Type.String(),
  brokenAt: Type.Optional(Type.String()),
  problem: Type.Optional(Type.String()),
  /** The latest signed checkpoint the chain was checked against. */
  checkpoint: Type.Optional(Type.Object({ eventId: Type.String(), count: Type.Integer(), hash: Type.String(), at: Type.String(), source: Type.String() })),
});

export const DriftEntrySchema = Type.Object({
  host: HostSchema,
  taintedAt: Type.String(),
  ageSeconds: Type.Integer(),
  sessions: Type.Array(SessionSchema),
  replacement: Type.Union([ReplacementSchema, Type.Null()]),
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
export type UserView = Static<typeof UserSchema>;
export type UserAdminView = Static<typeof UserAdminSchema>;
export type PolicyView = Static<typeof PolicySchema>;
export type ApprovalView = Static<typeof ApprovalSchema>;
export type ExtensionView = Static<typeof ExtensionSchema>;
export type ReviewView = Static<typeof ReviewSchema>;
export type AuditEventView = Static<typeof AuditEventSchema>;
export type AuditVerificationView = Static<typeof AuditVerificationSchema>;
export type DriftEntryView = Static<typeof DriftEntrySchema>;
