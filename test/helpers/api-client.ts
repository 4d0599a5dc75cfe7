// The one client that tests, benchmarks and scripts use against a broker, in
// process or not: logins (cached per user), JSON calls checked against the
// OpenAPI document, and the common steps grant → open → attach.
import { Contract } from './contract.js';
import { TerminalClient } from './terminal-client.js';

export interface ApiResult<T = any> {
  status: number;
  body: T;
}

export class ApiClient {
  private tokens = new Map<string, string>();
  private contract: Promise<Contract> | undefined;

  constructor(readonly url: string) {}

  async token(username: string, password = 'demo'): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const res = await this.api(undefined, 'POST', '/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    this.tokens.set(username, res.body.token);
    return res.body.token;
  }

  /** A call as `user` (or without login). Every response must match the OpenAPI document. */
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
    } catch {
      /* not JSON */
    }
    this.contract ??= Contract.fetch(this.url);
    const problem = (await this.contract).problem(method, path, res.status, res.headers.get('content-type'), parsed);
    if (problem) throw new Error(`contract: ${problem}`);
    return { status: res.status, body: parsed as T };
  }

  /** The same, for calls that must succeed: the body, or an error naming the status. */
  async ok<T = any>(user: string | undefined, method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.api<T>(user, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async hostId(name: string): Promise<string> {
    const hosts = await this.ok<{ id: string; name: string }[]>('admin', 'GET', '/api/hosts');
    const host = hosts.find((x) => x.name === name);
    if (!host) throw new Error(`no host named ${name}`);
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

  terminalUrl(sessionId: string): string {
    return `${this.url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/terminal`;
  }

  async attach(sessionId: string, user = 'alice', headers: Record<string, string> = {}): Promise<TerminalClient> {
    return TerminalClient.connect(this.terminalUrl(sessionId), { authorization: `Bearer ${await this.token(user)}`, ...headers });
  }

  /** grant → open → attach: a live shell on `host` for `requester`. */
  async shell(host: string, opts: { minutes?: number; requester?: string; approvers?: string[] } = {}) {
    const requester = opts.requester ?? 'alice';
    const requestId = await this.grant(host, opts.minutes ?? 15, requester, opts.approvers ?? ['bob', 'carol']);
    const sessionId = await this.openSession(requestId, requester);
    const term = await this.attach(sessionId, requester);
    return { requestId, sessionId, term };
  }

  /** Waits (by polling, where there is no event to await) until `check` holds. */
  eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
    return eventually(read, check, what, timeoutMs);
  }
}

/** Polls `read` until `check` holds (for state that has no event to await); fails naming `what` and the last value. */
export async function eventually<T>(read: () => Promise<T> | T, check: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
