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

// Evidence taken before a host's teardown (docs/api.md, "Evidence before teardown").
export interface FileChange {
  path: string;
  change: 'added' | 'changed' | 'removed';
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  sha256: string | null;
  mode: string;
  target?: string;
  text?: string;
  note?: string;
  before?: { kind: string; size: number; sha256: string | null; mode: string; target?: string; text?: string };
}
export interface Capture {
  id: string;
  replacementId: string;
  hostId: string;
  hostName: string;
  sessionIds: string[];
  provider: string;
  kind: string;
  status: 'succeeded' | 'failed';
  error: string | null;
  summary: Record<string, unknown>;
  items?: unknown[];
  createdAt: string;
}

// Fleet consistency (docs/api.md, "Fleet consistency").
export type ReasonKind = 'off_target' | 'off_peers' | 'touched' | 'failed' | 'too_old';
export interface FleetReport {
  environments: {
    environment: string;
    targetVersion: string | null;
    peerVersion: string | null;
    maxHostAgeHours: number | null;
    hosts: number;
    exceptions: number;
    byKind: Record<string, number>;
  }[];
  exceptions: { host: Host; reasons: { kind: ReasonKind; why: string; since: string }[] }[];
}
export interface Rollout {
  id: string;
  environment: string;
  from: { id: string; name: string; version: string };
  to: { id: string; name: string; version: string };
  maxUnavailable: number;
  status: 'running' | 'succeeded' | 'failed';
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
  progress: { total: number; replaced: number; inProgress: number; failed: number; waitingForSessions: number };
}

/** A line of a recording that matched a search across sessions. */
export interface RecordingHit {
  sessionId: string;
  hostName: string;
  environment: string;
  user: string;
  sessionStartedAt: string;
  atMs: number;
  kind: 'i' | 'o';
  line: string;
}

export interface ReplacementRecord {
  days: number;
  environment: string;
  provider: string;
  finished: number;
  succeeded: number;
  successRate: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
}
