// The JSON shapes of docs/api.md, as the browser sees them: the server's own
// response schemas and state lists, so both ends agree. Type-only: nothing of
// src/ is bundled.
import type {
  AuditEventView,
  AuditVerificationView,
  DriftEntryView,
  HostView,
  PolicyView,
  ReplacementView,
  RequestView,
  SessionView,
  UserView,
  UserAdminView,
  ApprovalView,
  ExtensionView,
  ReviewView,
} from '../../src/schemas';
import type { Static } from '@fastify/type-provider-typebox';
import type { ChangeKind } from '../../src/events/change-feed';
import type { EnvironmentSchema, FleetReportSchema, ReplacementRecordSchema, RolloutSchema } from '../../src/fleet/fleet-routes';
import type { ChannelSchema, DeliverySchema } from '../../src/notifications/notification-routes';
import type { CaptureSchema } from '../../src/replacement/capture/capture-views';
import type { RecordingHitSchema } from '../../src/search/search-routes';
import type { ReplicaSchema } from '../../src/replicas/replica-admin-routes';

export type { ChangeKind };
export type { Role } from '../../src/auth/roles';
export type { HostState, RequestStatus } from '../../src/states';
export type User = UserView;
/** An account as the Admin page sees it (GET /api/users). */
export type UserAdmin = UserAdminView;
export type Host = HostView;
export type Policy = PolicyView;
export type Approval = ApprovalView;
export type AccessRequest = RequestView;
export type Session = SessionView;
export type Replacement = ReplacementView;
export type DriftEntry = DriftEntryView;
export type AuditEvent = AuditEventView;
export type AuditVerification = AuditVerificationView;
export type Extension = ExtensionView;
export type Review = ReviewView;
export type NotificationChannel = Static<typeof ChannelSchema>;
export type NotificationDelivery = Static<typeof DeliverySchema>;
/** Evidence taken before a host's teardown. */
export type Capture = Static<typeof CaptureSchema>;
export type FleetReport = Static<typeof FleetReportSchema>;
export type Rollout = Static<typeof RolloutSchema>;
/** An environment's fleet settings (target version, maximum host age, drill window). */
export type Environment = Static<typeof EnvironmentSchema>;
/** A line of a recording that matched a search across sessions. */
export type RecordingHit = Static<typeof RecordingHitSchema>;
/** A broker replica and whether it holds its lease (the owner of local hosts). */
export type Replica = Static<typeof ReplicaSchema>;

export interface Change {
  kind: ChangeKind;
  id: string;
}

// Text frames on the terminal websocket (binary frames are raw bytes).
export type { ClientMessage as ClientControl, EndReason, ServerMessage as ServerControl } from '../../src/terminal/protocol';

// Evidence taken before a host's teardown (docs/api.md, "Evidence before teardown").
export type { FileChange } from '../../src/replacement/capture/local-image-capture';
// Fleet consistency (docs/api.md, "Fleet consistency").
export type { ReasonKind } from '../../src/fleet/fleet-fns';
export type ReplacementRecord = Static<typeof ReplacementRecordSchema>;
