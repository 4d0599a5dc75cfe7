// What the security tests share: a granted shell on a broker (in-process or a
// separate process) and a way to run one command in it and read its output.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { TerminalClient } from '../helpers/terminal-client.js';

export class BrokerClient {
  private tokens = new Map<string, string>();

  constructor(readonly url: string) {}

  async token(username: string): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const res = await this.api(undefined, 'POST', '/api/auth/login', { username, password: 'demo' });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    this.tokens.set(username, res.body.token);
    return res.body.token;
  }

  async api(
    user: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any }> {
    const all: Record<string, string> = { ...headers };
    if (user) all.authorization = `Bearer ${await this.token(user)}`;
    if (body !== undefined) all['content-type'] ??= 'application/json';
    const res = await fetch(this.url + path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  }

  async hostId(name: string): Promise<string> {
    const hosts = await this.api('alice', 'GET', '/api/hosts');
    const host = (hosts.body as { id: string; name: string }[]).find((h) => h.name === name);
    if (!host) throw new Error(`no host ${name}`);
    return host.id;
  }

  /** An approved grant for `requester` on `hostName` and an attached shell on it. */
  async shell(hostName: string, requester = 'alice', durationMinutes = 30): Promise<{ requestId: string; sessionId: string; term: TerminalClient }> {
    const created = await this.api(requester, 'POST', '/api/requests', {
      hostId: await this.hostId(hostName),
      reason: 'security test',
      ticket: 'SEC-1',
      durationMinutes,
    });
    if (created.status !== 201) throw new Error(`request: ${created.status} ${JSON.stringify(created.body)}`);
    for (const approver of ['bob', 'carol']) {
      const r = await this.api(approver, 'POST', `/api/requests/${created.body.id}/approve`, {});
      if (r.body.status === 'approved') break;
    }
    const opened = await this.api(requester, 'POST', `/api/requests/${created.body.id}/sessions`, { cols: 200, rows: 50 });
    if (opened.status !== 201) throw new Error(`open: ${opened.status} ${JSON.stringify(opened.body)}`);
    const term = await TerminalClient.connect(`${this.url.replace(/^http/, 'ws')}/api/sessions/${opened.body.id}/terminal`, {
      authorization: `Bearer ${await this.token(requester)}`,
    });
    return { requestId: created.body.id, sessionId: opened.body.id, term };
  }
}

/** Runs `command` in the shell and resolves with what it printed (between two markers). */
export async function run(term: TerminalClient, command: string): Promise<string> {
  const tag = randomBytes(6).toString('hex');
  // The markers are split by quotes so that the echoed command line never matches.
  term.send(`echo "BEGIN""${tag}"; ${command}; echo "END""${tag}"\n`);
  const re = new RegExp(`BEGIN${tag}\\r?\\n([\\s\\S]*?)END${tag}`);
  await term.waitForOutput(re);
  return re.exec(term.output)![1]!;
}

/** Processes on this machine (outside any sandbox) whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) pids.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
