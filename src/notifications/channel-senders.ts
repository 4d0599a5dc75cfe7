// Sending one event to one channel. A throw means "not delivered": the job is
// retried with backoff. Slack is sent with plain fetch: `@slack/webhook` would
// add axios for one POST of the same JSON.
import nodemailer from 'nodemailer';
import { emailMessage, sign, slackMessage, type NotificationEvent } from './notification-fns.js';

export interface Channel {
  kind: string;
  target: string;
  secret: string | null;
}

export interface SenderConfig {
  smtpUrl: string | undefined;
  mailFrom: string;
}

const TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    signal: AbortSignal.timeout(TIMEOUT_MS),
    redirect: 'error',
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`HTTP ${res.status} from the receiver`);
}

export function channelSenders(config: SenderConfig) {
  const mailer = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : undefined;
  async function mail(to: string, event: NotificationEvent): Promise<void> {
    if (!mailer) throw new Error('no SMTP server configured (BREAKGLASS_SMTP_URL)');
    const m = emailMessage(event);
    await mailer.sendMail({
      from: config.mailFrom,
      to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: { 'X-Breakglass-Event-Id': event.id },
    });
  }
  return {
    async send(channel: Channel, event: NotificationEvent): Promise<void> {
      switch (channel.kind) {
        case 'webhook': {
          const body = JSON.stringify(event);
          const timestamp = String(Math.floor(Date.now() / 1000));
          return post(channel.target, body, {
            'x-breakglass-event': event.type,
            'x-breakglass-timestamp': timestamp,
            'x-breakglass-signature': sign(channel.secret ?? '', timestamp, body),
            'idempotency-key': event.id,
          });
        }
        case 'slack':
          return post(channel.target, JSON.stringify(slackMessage(event)), {});
        case 'email':
          return mail(channel.target, event);
        default:
          throw new Error(`unknown channel kind ${channel.kind}`);
      }
    },
    /** In person: one e-mail to one user's own address. */
    mail,
    close(): void {
      mailer?.close();
    },
  };
}
