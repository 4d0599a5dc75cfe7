// What the OpenAPI document says beyond each route's own schema, added in one
// place as routes are registered: the error shape for every 4xx, a summary,
// a tag per domain, and the media types that are not JSON (websocket, SSE,
// asciicast). Routes keep declaring their own bodies and success responses.
import type { RouteOptions } from 'fastify';
import { ErrorSchema } from './schemas.js';

const SUMMARIES: Record<string, string> = {
  'POST /api/auth/login': 'Log in with a username and password',
  'POST /api/auth/logout': 'Log out: the token dies and the cookie is cleared',
  'GET /api/me': 'The logged-in user',
  'GET /api/hosts': 'The fleet',
  'GET /api/hosts/:id': 'One host',
  'GET /api/drift': 'The drift ledger: hosts touched by hand and not yet replaced',
  'GET /api/policies': 'Access policy per environment',
  'PUT /api/policies/:environment': "Set an environment's access policy (admin)",
  'POST /api/requests': 'Ask for access to a host',
  'GET /api/requests': 'Access requests',
  'GET /api/requests/:id': 'One access request',
  'POST /api/requests/:id/approve': 'Approve a request',
  'POST /api/requests/:id/deny': 'Deny a request',
  'POST /api/requests/:id/revoke': 'Revoke a grant and kill its sessions',
  'POST /api/requests/:id/sessions': 'Open a session inside a grant',
  'GET /api/sessions': 'Sessions',
  'GET /api/sessions/:id': 'One session',
  'GET /api/sessions/:id/terminal': 'Attach to a session (websocket)',
  'GET /api/sessions/:id/recording': 'The recording as asciicast v2',
  'GET /api/sessions/:id/recording/verify': "Verify a recording's hash chain",
  'GET /api/audit': 'Audit events',
  'GET /api/audit/verify': "Verify the audit trail's hash chain",
  'GET /api/replacements': 'Replacement jobs',
  'POST /api/hosts/:id/replace': 'Replace a host now (admin)',
  'GET /api/images': 'Images (admin)',
  'POST /api/images': 'Register an image (admin)',
  'POST /api/hosts': 'Add a host (admin)',
  'GET /api/hosts/:id/settings': "A host's settings (admin)",
  'PATCH /api/hosts/:id': "Change a host's settings (admin)",
  'DELETE /api/hosts/:id': 'Retire a host (admin)',
  'GET /api/ssh/ca': "The broker's SSH user CA public key",
  'GET /api/ssh/krl': 'Key revocation list of certificates whose grant was revoked',
  'GET /api/events': 'Server-sent change events',
  'DELETE /api/notifications/channels/:id': 'Remove a notification channel (admin)',
  'GET /api/audit/checkpoints': 'Signed audit checkpoints, newest first',
  'POST /api/audit/checkpoints': "Sign the audit chain's head now (admin)",
  'GET /api/audit/export': 'Audit events as CSV or JSON',
  'GET /api/auth/oidc/start': 'Start single sign-on at the identity provider',
  'GET /api/auth/oidc/callback': 'Single sign-on callback from the identity provider',
  'GET /api/auth/providers': 'How one may sign in here',
  'GET /api/auth/session': 'The login, if any, without a 401',
  'GET /api/captures/:id': "Evidence taken before a host's teardown",
  'GET /api/sessions/:id/changes': 'What a session changed on its host',
  'GET /api/drift/record': 'Replacement success rate and time to replace',
  'GET /api/environments': 'Environments: target image, maximum age, drill window',
  'PUT /api/environments/:environment': "Set an environment's fleet settings (admin)",
  'GET /api/fleet': 'Fleet consistency: the exceptions first',
  'GET /api/rollouts': 'Roll-outs of an environment to a new image',
  'POST /api/rollouts': 'Roll an environment to a new image (admin)',
  'POST /api/replacements/:id/callback': 'Signed result of a webhook replacement',
  'GET /api/evidence/key': "The evidence signing key's public half",
  'GET /api/sessions/:id/evidence': 'Evidence bundle of a session (tar)',
  'GET /api/sessions/:id/evidence/verify': "Verify a session's evidence as the offline verifier does",
  'GET /api/sessions/:id/manifest': "A session's signed manifest",
  'GET /api/sessions/:id/recording/exact': "The recording's exact bytes (JSON lines)",
  'GET /api/notifications/channels': 'Notification channels (admin)',
  'POST /api/notifications/channels': 'Add a notification channel (admin)',
  'GET /api/notifications/deliveries': 'Notification deliveries, failed ones first (admin)',
  'GET /api/reviews': 'Emergency grants waiting for review',
  'POST /api/requests/:id/review': 'Review an emergency grant afterwards',
  'POST /api/requests/:id/extensions': 'Ask for more time on a grant',
  'POST /api/requests/:id/extensions/:extensionId/approve': 'Approve an extension',
  'POST /api/requests/:id/extensions/:extensionId/deny': 'Deny an extension',
  'POST /api/requests/:id/withdraw': 'Withdraw a pending request',
  'GET /api/search/recordings': 'Search the recordings one may read',
  'GET /api/users': 'Accounts (admin)',
  'POST /api/users': 'Create a local account (admin)',
  'POST /api/users/:id/disable': 'Disable an account: its logins and live sessions end (admin)',
  'POST /api/users/:id/enable': 'Enable an account again (admin)',
  'POST /api/users/:id/password': "Reset a local account's password (admin)",
  'PUT /api/users/:id/roles': "Set an account's roles (admin)",
  'GET /internal/sessions/:id/terminal': "Replica hop: a requester's terminal forwarded to the replica holding the pty",
  'POST /internal/replacements/:id/run': "Replica hop: run a local host's rebuild on its owner",
  'POST /internal/requests/:id/sessions': "Replica hop: open a session on a local host's owner",
  'GET /healthz': 'Liveness and readiness',
  'GET /metrics': 'Prometheus metrics',
  'PATCH /api/notifications/channels/:id': 'Change a notification channel (admin)',
  'GET /api/replicas': 'Broker replicas and whether each holds its lease',
  'POST /api/hosts/:id/owner': 'Hand a local host whose owner replica is gone over to a live one (admin)',
};

/** Responses whose body is not JSON, described by media type. */
const MEDIA: Record<string, Record<string, unknown>> = {
  'GET /api/sessions/:id/terminal': {
    101: {
      description:
        'Switching to a websocket. Binary frames: raw terminal bytes both ways. Text frames: JSON control messages ' +
        '(client: resize, pause, resume; server: notice, exit). See docs/api.md, "Terminal websocket".',
    },
  },
  'GET /api/sessions/:id/recording': {
    200: {
      description: 'asciicast v2: a JSON header line, then one JSON array [time, "o"|"i"|"r", data] per line. Not byte-exact for non-UTF-8 output.',
      content: { 'application/x-asciicast': { schema: { type: 'string' } } },
    },
  },
  'GET /api/events': {
    200: {
      description: 'Server-sent events: `event: change` with data {"kind","id"} per committed change; `: ping` comments keep proxies open.',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
  },
  'GET /metrics': { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
};

function tagOf(url: string): string {
  const [, first, second] = url.split('/');
  return first === 'api' ? (second ?? 'api') : 'operations';
}

/** An onRoute hook: fills in the document for each route as it is registered. */
export function describeRoute(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.includes('HEAD') && methods.length === 1) return;
  const key = `${methods.find((m) => m !== 'HEAD')} ${route.url}`;
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  // @fastify/websocket hides its routes from the document; ours is part of the contract.
  if ((route as { websocket?: boolean }).websocket) schema.hide = false;
  if (schema.hide) return;
  schema.summary ??= SUMMARIES[key] ?? key;
  schema.tags ??= [tagOf(route.url)];
  const response = (schema.response ??= {}) as Record<string, unknown>;
  Object.assign(response, MEDIA[key]);
  if (!route.url.startsWith('/api/')) return;
  response['4xx'] ??= { ...ErrorSchema, description: 'The request was refused: the error says why (docs/api.md, "Conventions")' };
  response['5xx'] ??= { ...ErrorSchema, description: 'The broker failed: the message names the request id to look for in its log' };
}
