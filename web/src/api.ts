// The broker's HTTP API. Auth is the httpOnly cookie set at login, so no token
// is handled here; a 401 anywhere sends the user back to the login page.
import type {
  NotificationChannel,
  NotificationDelivery,
  AccessRequest,
  AuditEvent,
  AuditVerification,
  Capture,
  DriftEntry,
  FleetReport,
  Host,
  Policy,
  RecordingHit,
  ReplacementRecord,
  Rollout,
  Replacement,
  Replica,
  Session,
  User,
} from './types';
import type { Environment, Role, UserAdmin } from './types';

/** The part of a policy the access-policy rows edit. */
export type AccessBounds = Pick<Policy, 'environment' | 'approvalsRequired' | 'minDurationMinutes' | 'maxDurationMinutes'>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};
/** Called once by the app shell: what to do when the session cookie is no longer valid. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, expect: 'json' | 'text' = 'json'): Promise<T> {
  const bodyless = method === 'GET' || method === 'DELETE';
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: 'same-origin',
      // Every POST, PUT and PATCH carries a JSON body, even an empty one, so the server's parser always agrees.
      headers: bodyless ? {} : { 'content-type': 'application/json' },
      body: bodyless ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    throw unreachable();
  }
  if (res.ok) return (expect === 'text' ? await res.text() : res.status === 204 ? undefined : await res.json()) as T;
  return fail(res, path);
}

const unreachable = () => new ApiError(0, 'network', 'Cannot reach the broker. Check your connection and try again.');

/** The contract's error body as an ApiError; a 401 sends the user back to log in. */
async function fail(res: Response, path: string): Promise<never> {
  const err = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const error = new ApiError(
    res.status,
    err?.error?.code ?? 'http_' + res.status,
    err?.error?.message ?? `The broker answered ${res.status} ${res.statusText}.`,
  );
  if (res.status === 401 && path !== '/auth/login' && path !== '/me') onUnauthorized();
  throw error;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  me: () => call<User>('GET', '/me'),
  whoami: () => call<{ user: User | null }>('GET', '/auth/session'),
  login: (username: string, password: string) => call<{ user: User }>('POST', '/auth/login', { username, password }),
  logout: () => call<{ ok: boolean; endSessionUrl?: string }>('POST', '/auth/logout'),
  providers: () => call<{ localAccounts: boolean; sso: { name: string; startUrl: string } | null }>('GET', '/auth/providers'),
  hosts: () => call<Host[]>('GET', '/hosts'),
  host: (id: string) => call<Host>('GET', `/hosts/${encodeURIComponent(id)}`),
  policies: () => call<Policy[]>('GET', '/policies'),
  requests: (status?: string) => call<AccessRequest[]>('GET', `/requests${query({ status })}`),
  request: (id: string) => call<AccessRequest>('GET', `/requests/${encodeURIComponent(id)}`),
  createRequest: (body: { hostId: string; reason: string; ticket?: string; durationMinutes: number; emergency?: boolean }) =>
    call<AccessRequest>('POST', '/requests', body),
  approve: (id: string, comment?: string) => call<AccessRequest>('POST', `/requests/${encodeURIComponent(id)}/approve`, comment ? { comment } : {}),
  deny: (id: string, comment: string) => call<AccessRequest>('POST', `/requests/${encodeURIComponent(id)}/deny`, { comment }),
  revoke: (id: string) => call<AccessRequest>('POST', `/requests/${encodeURIComponent(id)}/revoke`),
  withdraw: (id: string) => call<AccessRequest>('POST', `/requests/${encodeURIComponent(id)}/withdraw`),
  openSession: (requestId: string, cols: number, rows: number) =>
    call<{ id: string; expiresAt: string }>('POST', `/requests/${encodeURIComponent(requestId)}/sessions`, { cols, rows }),
  sessions: (filter: { hostId?: string; requestId?: string; user?: string; endReason?: string; from?: string; to?: string } = {}) =>
    call<Session[]>('GET', `/sessions${query(filter)}`),
  session: (id: string) => call<Session>('GET', `/sessions/${encodeURIComponent(id)}`),
  recordingUrl: (id: string) => `/api/sessions/${encodeURIComponent(id)}/recording`,
  /** The whole recording, reporting the bytes received so far: a long session takes a while. */
  async recordingWithProgress(id: string, progress: (received: number) => void): Promise<string> {
    const path = `/sessions/${encodeURIComponent(id)}/recording`;
    let res: Response;
    try {
      res = await fetch(`/api${path}`, { credentials: 'same-origin' });
    } catch {
      throw unreachable();
    }
    if (!res.ok) return fail(res, path);
    if (!res.body) return res.text();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      received += value.length;
      text += decoder.decode(value, { stream: true });
      progress(received);
    }
  },
  audit: (filter: {
    after?: string;
    before?: string;
    type?: string;
    actor?: string;
    subjectId?: string;
    from?: string;
    to?: string;
    order?: 'asc' | 'desc';
    limit?: number;
  }) => call<AuditEvent[]>('GET', `/audit${query(filter)}`),
  verifyAudit: () => call<AuditVerification>('GET', '/audit/verify'),
  replacements: (hostId?: string) => call<Replacement[]>('GET', `/replacements${query({ hostId })}`),
  drift: () => call<DriftEntry[]>('GET', '/drift'),
  putPolicy: (policy: AccessBounds) =>
    call<Policy>('PUT', `/policies/${encodeURIComponent(policy.environment)}`, {
      approvalsRequired: policy.approvalsRequired,
      minDurationMinutes: policy.minDurationMinutes,
      maxDurationMinutes: policy.maxDurationMinutes,
    }),
  replaceHost: (hostId: string) => call<Replacement>('POST', `/hosts/${encodeURIComponent(hostId)}/replace`),
  searchRecordings: (q: string, filter: { environment?: string; from?: string; to?: string } = {}) =>
    call<RecordingHit[]>('GET', `/search/recordings${query({ q, ...filter })}`),
  sshCa: () => call<{ publicKey: string; fingerprint: string }>('GET', '/ssh/ca'),
  evidenceKey: () => call<{ publicKey: string; fingerprint: string }>('GET', '/evidence/key'),
  verifyEvidence: (id: string) =>
    call<{ ok: boolean; problems: string[]; manifestHash: string | null; keyFingerprint: string; chunks: number }>(
      'GET',
      `/sessions/${encodeURIComponent(id)}/evidence/verify`,
    ),
  evidenceUrl: (id: string) => `/api/sessions/${encodeURIComponent(id)}/evidence`,
  users: () => call<UserAdmin[]>('GET', '/users'),
  createUser: (body: { username: string; password: string; roles: Role[]; email?: string }) => call<UserAdmin>('POST', '/users', body),
  disableUser: (id: string) => call<UserAdmin>('POST', `/users/${encodeURIComponent(id)}/disable`),
  enableUser: (id: string) => call<UserAdmin>('POST', `/users/${encodeURIComponent(id)}/enable`),
  setUserRoles: (id: string, roles: Role[]) => call<UserAdmin>('PUT', `/users/${encodeURIComponent(id)}/roles`, { roles }),
  resetUserPassword: (id: string, password: string) => call<UserAdmin>('POST', `/users/${encodeURIComponent(id)}/password`, { password }),
  askExtension: (requestId: string, minutes: number, reason: string) =>
    call<AccessRequest>('POST', `/requests/${encodeURIComponent(requestId)}/extensions`, { minutes, reason }),
  decideExtension: (requestId: string, extensionId: string, decision: 'approve' | 'deny', comment?: string) =>
    call<AccessRequest>(
      'POST',
      `/requests/${encodeURIComponent(requestId)}/extensions/${encodeURIComponent(extensionId)}/${decision}`,
      comment ? { comment } : {},
    ),
  reviews: (state?: 'open' | 'overdue' | 'done') => call<AccessRequest[]>('GET', `/reviews${query({ state })}`),
  review: (requestId: string, outcome: 'acknowledged' | 'flagged', comment?: string) =>
    call<AccessRequest>('POST', `/requests/${encodeURIComponent(requestId)}/review`, comment ? { outcome, comment } : { outcome }),
  /** The whole policy, issue 12's fields included. */
  putFullPolicy: ({ environment, ...fields }: Required<Policy>) => call<Policy>('PUT', `/policies/${encodeURIComponent(environment)}`, fields),
  notificationChannels: () => call<NotificationChannel[]>('GET', '/notifications/channels'),
  addNotificationChannel: (body: { environment: string; name: string; kind: string; target: string; secret?: string; audiences: string[] }) =>
    call<NotificationChannel>('POST', '/notifications/channels', body),
  failedDeliveries: () => call<NotificationDelivery[]>('GET', '/notifications/deliveries?status=failed'),
  updateNotificationChannel: (id: string, body: { environment?: string; name?: string; target?: string; secret?: string; events?: string[] }) =>
    call<NotificationChannel>('PATCH', `/notifications/channels/${encodeURIComponent(id)}`, body),
  removeNotificationChannel: (id: string) => call<void>('DELETE', `/notifications/channels/${encodeURIComponent(id)}`),
  sessionChanges: (id: string) => call<Capture[]>('GET', `/sessions/${encodeURIComponent(id)}/changes`),
  capture: (id: string) => call<Capture>('GET', `/captures/${encodeURIComponent(id)}`),
  fleet: () => call<FleetReport>('GET', '/fleet'),
  rollouts: () => call<Rollout[]>('GET', '/rollouts'),
  startRollout: (body: { environment: string; fromImageId: string; toImageId: string; maxUnavailable: number }) => call<Rollout>('POST', '/rollouts', body),
  replacementRecord: () => call<ReplacementRecord[]>('GET', '/drift/record'),
  images: () => call<{ id: string; name: string; version: string }[]>('GET', '/images'),
  replicas: () => call<Replica[]>('GET', '/replicas'),
  handOverHost: (hostId: string, replica: string) => call<Host>('POST', `/hosts/${encodeURIComponent(hostId)}/owner`, { replica }),
  environments: () => call<Environment[]>('GET', '/environments'),
  putEnvironment: (name: string, body: Pick<Environment, 'targetVersion' | 'maxHostAgeHours' | 'drillWindow'>) =>
    call<Environment>('PUT', `/environments/${encodeURIComponent(name)}`, body),
};

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
