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
import type { ChangeKind } from '../../src/events/change-feed';

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

export interface NotificationChannel {
  id: string;
  environment: string;
  name: string;
  kind: 'webhook' | 'slack' | 'email';
  target: string;
  hasSecret: boolean;
  events: string[];
  createdAt: string;
}

export interface NotificationDelivery {
  id: string;
  eventType: string;
  channel: string;
  kind: string;
  environment: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  requestId: string | null;
}

export interface Change {
  kind: ChangeKind;
  id: string;
}

// Text frames on the terminal websocket (binary frames are raw bytes).
export type { ClientMessage as ClientControl, EndReason, ServerMessage as ServerControl } from '../../src/terminal/protocol';
