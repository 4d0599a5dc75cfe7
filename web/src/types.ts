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
  /** The broker replica whose machine a local host is on. */
  owner: string | null;
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
