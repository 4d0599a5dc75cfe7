// Pure parts of notifications: the event's JSON (a stable, versioned schema),
// the webhook signature, the Slack Block Kit message and the e-mail text.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { NotificationEventType } from './notification-events.js';

export const EVENT_SCHEMA = 'breakglass.notification.v1';

/** What every channel receives. Never a token or a secret: only what an approver sees on the request page. */
export interface NotificationEvent {
  schema: typeof EVENT_SCHEMA;
  id: string;
  type: NotificationEventType;
  occurredAt: string;
  environment: string;
  host: string;
  requester: string;
  reason: string;
  ticket: string | null;
  durationMinutes: number;
  emergency: boolean;
  request: { id: string; status: string; expiresAt: string | null };
  link: string;
  details: Record<string, unknown>;
}

export interface EventSource {
  id: string;
  status: string;
  reason: string;
  ticket: string | null;
  durationMinutes: number;
  extendedMinutes: number;
  emergency: boolean;
  expiresAt: Date | null;
  host: { name: string; environment: string };
  requester: { username: string };
}

export function buildEvent(
  type: NotificationEventType,
  r: EventSource,
  baseUrl: string,
  details: Record<string, unknown> = {},
  now = new Date(),
): NotificationEvent {
  return {
    schema: EVENT_SCHEMA,
    id: randomUUID(),
    type,
    occurredAt: now.toISOString(),
    environment: r.host.environment,
    host: r.host.name,
    requester: r.requester.username,
    reason: r.reason,
    ticket: r.ticket,
    durationMinutes: r.durationMinutes + r.extendedMinutes,
    emergency: r.emergency,
    request: { id: r.id, status: r.status, expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null },
    link: `${baseUrl.replace(/\/+$/, '')}/requests/${r.id}`,
    details,
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): what X-Breakglass-Signature carries. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's side (docs/api.md shows the same in a few lines): constant-time compare, and a bounded clock skew. */
export function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowSeconds = Date.now() / 1000,
  toleranceSeconds = 300,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const TITLES: Record<NotificationEventType, string> = {
  'request.created': 'Access requested',
  'request.approved': 'Access approved',
  'request.denied': 'Access denied',
  'request.expired': 'Request expired unanswered',
  'extension.requested': 'Extension requested',
  'extension.approved': 'Extension approved',
  'extension.denied': 'Extension denied',
  'session.started': 'Session started',
  'session.ended': 'Session ended',
  'emergency.granted': 'EMERGENCY access granted',
  'review.overdue': 'Emergency review overdue',
  'replacement.failed': 'Host replacement failed',
};

export function title(e: NotificationEvent): string {
  return `${e.emergency && e.type !== 'emergency.granted' ? '[EMERGENCY] ' : ''}${TITLES[e.type]}: ${e.host} (${e.environment})`;
}

function facts(e: NotificationEvent): [string, string][] {
  return [
    ['Host', `${e.host} (${e.environment})`],
    ['Requester', e.requester],
    ['Reason', e.reason],
    ['Ticket', e.ticket ?? '—'],
    ['Duration', `${e.durationMinutes} minute(s)`],
    ...Object.entries(e.details).map(([k, v]) => [k, String(v)] as [string, string]),
  ];
}

/** Slack mrkdwn: &, < and > must be escaped or they become links and mentions. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(e: NotificationEvent) {
  return {
    text: title(e),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title(e).slice(0, 150) } },
      {
        type: 'section',
        fields: facts(e)
          .slice(0, 10)
          .map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${slackEscape(v).slice(0, 1900)}` })),
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open the request' },
            url: e.link,
            action_id: 'open_request',
            ...(e.emergency ? { style: 'danger' } : {}),
          },
        ],
      },
    ],
  };
}

const htmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function emailMessage(e: NotificationEvent): { subject: string; text: string; html: string } {
  const rows = facts(e);
  return {
    subject: title(e),
    text: `${title(e)}\n\n${rows.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\nOpen the request: ${e.link}\n`,
    html:
      `<h2>${htmlEscape(title(e))}</h2><table>${rows.map(([k, v]) => `<tr><th align="left">${htmlEscape(k)}</th><td>${htmlEscape(v)}</td></tr>`).join('')}</table>` +
      `<p><a href="${htmlEscape(e.link)}">Open the request</a></p>`,
  };
}
