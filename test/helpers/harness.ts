// An in-process broker on its own database and data dir, with a real HTTP
// listener, plus the calls tests make against it. Everything is closed after the test.
import { rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { buildApp } from '../../src/app.js';
import { startBroker, type Broker, type BrokerOptions } from '../../src/broker.js';
import { loadConfig } from '../../src/config.js';
import { freshDatabase, tempDataDir } from './database.js';
import { TerminalClient } from './terminal-client.js';

export interface ApiResult<T = any> {
  status: number;
  body: T;
}

export class Harness {
  private tokens = new Map<string, string>();

  constructor(readonly url: string, readonly broker: Broker, readonly dataDir: string) {}

  get prisma() {
    return this.broker.db.prisma;
  }

  async token(username: string, password = 'demo'): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const res = await this.api(undefined, 'POST', '/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    this.tokens.set(username, res.body.token);
    return res.body.token;
  }

  async api<T = any>(user: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    const all: Record<string, string> = { ...headers };
    if (user) all.authorization = `Bearer ${await this.token(user)}`;
    if (body !== undefined) all['content-type'] ??= 'application/json';
    const res = await fetch(this.url + path, {
      method,
      headers: all,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, body: parsed as T };
  }

  async hostId(name: string): Promise<string> {
    const host = await this.prisma.host.findUniqueOrThrow({ where: { name } });
    return host.id;
  }

  /** A request by `requester`, approved by enough approvers. */
  async grant(hostName: string, durationMinutes = 15, requester = 'alice', approvers = ['bob', 'carol']): Promise<string> {
    const created = await this.api(requester, 'POST', '/api/requests', { hostId: await this.hostId(hostName), reason: 'test', ticket: 'T-1', durationMinutes });
    if (created.status !== 201) throw new Error(`request: ${created.status} ${JSON.stringify(created.body)}`);
    for (const approver of approvers) {
      const r = await this.api(approver, 'POST', `/api/requests/${created.body.id}/approve`, {});
      if (r.body.status === 'approved') return created.body.id;
    }
    throw new Error('request was not approved');
  }

  async openSession(requestId: string, user = 'alice', size = { cols: 80, rows: 24 }): Promise<string> {
    const res = await this.api(user, 'POST', `/api/requests/${requestId}/sessions`, size);
    if (res.status !== 201) throw new Error(`open session: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async attach(sessionId: string, user = 'alice', headers: Record<string, string> = {}): Promise<TerminalClient> {
    return TerminalClient.connect(`${this.url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/terminal`, {
      authorization: `Bearer ${await this.token(user)}`,
      ...headers,
    });
  }

  /** Waits (by polling the database, which has no event to await here) until `check` holds. */
  async eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (check(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startHarness(t: TestContext, env: Record<string, string> = {}, opts: BrokerOptions & { logStream?: NodeJS.WritableStream } = {}): Promise<Harness> {
  const databaseUrl = env.DATABASE_URL ?? (await freshDatabase());
  const dataDir = env.BREAKGLASS_DATA_DIR ?? tempDataDir();
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    BREAKGLASS_DATA_DIR: dataDir,
    BREAKGLASS_DEMO: '1',
    BREAKGLASS_TOKEN_SECRET: 'test-secret-test-secret-test-secret-42',
    BREAKGLASS_BROKER_ID: `test-${Math.random().toString(36).slice(2)}`,
    BREAKGLASS_LOGIN_RATE_LIMIT: '1000',
    BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS: '1',
    ...env,
  });
  const broker = await startBroker(config, () => {}, opts);
  const app = await buildApp(broker, opts.logStream ? { logStream: opts.logStream } : { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  t.after(async () => {
    await app.close();
    await broker.close();
    if (!env.BREAKGLASS_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  });
  return new Harness(`http://127.0.0.1:${port}`, broker, dataDir);
}
