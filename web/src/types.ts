// The JSON shapes of docs/api.md, as the browser sees them.
import type { EndReason } from '../../src/terminal/protocol';
export type Role = 'requester' | 'approver' | 'auditor' | 'admin';
export interface User {
  id: string;
  username: string;
  roles: Role[];
}

export type HostState = 'healthy' | 'in_use' | 'tainted' | 'replacing' | 'failed';
export interface Host {
  id: string;
  name: string;
  environment: string;
  image: { id: string; name: string; version: string };
  connector: string;
  state: HostState;
  instance: number;
  taintedAt: string | null;
  driftAgeSeconds: number | null;
  retiredAt: string | null;
  pendingReplacement: { id: string; status: string; attempts: number } | null;
}

export interface Policy {
  environment: string;
  approvalsRequired: number;
  minDurationMinutes: number;
  maxDurationMinutes: number;
}

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'revoked' | 'closed';
export interface Approval {
  approver: string;
  decision: 'approve' | 'deny';
  comment: string | null;
  at: string;
}
export interface AccessRequest {
  id: string;
  hostId: string;
  hostName: string;
  environment: string;
  requester: string;
  requesterId: string;
  reason: string;
  ticket: string | null;
  durationMinutes: number;
  status: RequestStatus;
  approvalsRequired: number;
  approvals: Approval[];
  createdAt: string;
  pendingUntil: string;
  approvedAt: string | null;
  expiresAt: string | null;
  closedAt: string | null;
}

export interface Session {
  id: string;
  requestId: string;
  hostId: string;
  hostName: string;
  user: string;
  startedAt: string;
  endedAt: string | null;
  endReason: EndReason | null;
  bytesIn: number;
  bytesOut: number;
  live: boolean;
  expiresAt: string | null;
}

export interface Replacement {
  id: string;
  hostId: string;
  hostName: string;
  sessionId: string | null;
  status: 'scheduled' | 'running' | 'succeeded' | 'failed';
  attempts: number;
  lastError: string | null;
  provider: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  capture: { id: string; status: 'succeeded' | 'failed'; kind: string } | null;
}

export interface DriftEntry {
  host: Host;
  taintedAt: string;
  ageSeconds: number;
  sessions: Session[];
  replacement: Replacement | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  type: string;
  actor: string | null;
  actorId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  count: number;
  head: string;
}

export type ChangeKind = 'request' | 'host' | 'session' | 'replacement' | 'audit';
export interface Change {
  kind: ChangeKind;
  id: string;
}

// Text frames on the terminal websocket (binary frames are raw bytes): the
// server's own types, so both ends agree. Type-only, nothing of src/ is bundled.
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
  environments: { environment: string; targetVersion: string | null; peerVersion: string | null; maxHostAgeHours: number | null; hosts: number; exceptions: number; byKind: Record<string, number> }[];
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
