// Real receivers for notification tests: an HTTP server that checks the webhook
// signature and records what arrives (per path: one that works, one that fails
// twice then works, one that always fails), and an SMTP server that records mail
// (and refuses any bounce@ address).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { verifySignature } from '../../src/notifications/notification-fns.js';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  signatureValid: boolean;
  answered: number;
}

/** Resolves waiters when what they wait for has arrived: no polling, no sleeps. */
class Recorder<T> {
  readonly items: T[] = [];
  private waiters: (() => void)[] = [];
  add(item: T): void {
    this.items.push(item);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  until(check: (items: T[]) => boolean): Promise<T[]> {
    return new Promise((resolve) => {
      const test = () => (check(this.items) ? resolve(this.items) : this.waiters.push(test));
      test();
    });
  }
}

export async function startHttpReceiver(t: TestContext, secret: string) {
  const recorder = new Recorder<Delivery>();
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      const status = path === '/down' ? 503 : path === '/flaky' && n <= 2 ? 500 : 200;
      const signatureValid = verifySignature(secret, String(req.headers['x-breakglass-timestamp']), body, String(req.headers['x-breakglass-signature']));
      recorder.add({ path, headers: req.headers, body, json: JSON.parse(body), signatureValid, answered: status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, recorder };
}

export interface Mail {
  to: string[];
  raw: string;
  /** The message with quoted-printable soft breaks and =3D undone, to search in. */
  text: string;
}

export async function startSmtpReceiver(t: TestContext) {
  const recorder = new Recorder<Mail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // A mailbox that does not exist: the delivery to it fails, as a bounced address does.
    onRcptTo(address, _session, callback) {
      callback(address.address.startsWith('bounce@') ? Object.assign(new Error('no such mailbox'), { responseCode: 550 }) : undefined);
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString()));
      stream.on('end', () => {
        recorder.add({ to: session.envelope.rcptTo.map((r) => r.address), raw, text: raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, recorder };
}
