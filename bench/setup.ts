// What every benchmark needs and nothing else: a Postgres, a real broker process
// (src/server.ts, exactly what `npm start` runs) on its own database and data dir,
// and the HTTP calls a user makes to get a recorded shell.
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startBroker } from '../test/helpers/broker.js';
import { connect, type Database } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { hostDirectory } from '../src/hosts/local-hosts.js';
import { ApiClient } from '../test/helpers/api-client.js';
import { INSPECT_ARG, inspectorUrl } from './inspector.js';

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
}

export interface Postgres {
  /** A fresh, empty database for one broker. */
  database(): Promise<string>;
  stop(): Promise<void>;
}

/** TEST_DATABASE_URL (the test run's server) if set, else an embedded Postgres of our own. */
export async function startPostgres(): Promise<Postgres> {
  let admin = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!admin) {
    const dir = tempDir('breakglass-bench-pg-');
    const embedded = await startEmbeddedPostgres(dir, () => {});
    admin = embedded.url.replace(/\/breakglass$/, '/postgres');
    stop = async () => {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const adminUrl = admin;
  return {
    async database() {
      const name = `bench_${randomBytes(5).toString('hex')}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    stop,
  };
}

export interface BrokerProcess {
  url: string;
  pid: number;
  dataDir: string;
  databaseUrl: string;
  db: Database;
  child: ChildProcess;
  /** Its inspector (bench/inspector.ts), for a full collection before reading its memory. */
  inspector: string;
  stop(): Promise<void>;
}

/** What `npm start` runs (scripts/start.mjs: the compiled broker) with the demo seed and its inspector open on loopback; `nodeArgs` e.g. ['--cpu-prof']. */
export async function startBrokerProcess(pgs: Postgres, nodeArgs: string[] = []): Promise<BrokerProcess> {
  const databaseUrl = await pgs.database();
  const broker = await startBroker({
    nodeArgs: [INSPECT_ARG, ...nodeArgs],
    built: true,
    env: {
      DATABASE_URL: databaseUrl,
      BREAKGLASS_LOGIN_RATE_LIMIT: '10000',
      BREAKGLASS_TOKEN_SECRET: 'bench-secret-bench-secret-bench-secret-0',
    },
    onOutput: process.env.BENCH_BROKER_LOG ? (d) => process.stderr.write(d) : undefined,
  });
  const inspector = inspectorUrl(broker.output());
  if (!inspector) throw new Error(`the broker printed no inspector address:\n${broker.output()}`);
  const db = connect(databaseUrl, 4);
  return {
    inspector,
    url: broker.url,
    pid: broker.child.pid!,
    dataDir: broker.dataDir,
    databaseUrl,
    db,
    child: broker.child,
    async stop() {
      await db.close();
      await broker.stop();
    },
  };
}

/** The project's API client (test/helpers/api-client.ts) pointed at a broker process, plus the bench's own fixtures. */
export class Api extends ApiClient {
  constructor(readonly broker: BrokerProcess) {
    super(broker.url);
  }

  /** A fresh staging host (its directory included), so that no earlier session's replacement is in the way. */
  async newHost(name: string): Promise<string> {
    const prisma = this.broker.db.prisma;
    const image = await prisma.image.findFirstOrThrow({ where: { name: 'web-base' } });
    const host = await prisma.host.create({ data: { name, environment: 'staging', imageId: image.id, connector: 'local' } });
    mkdirSync(hostDirectory(this.broker.dataDir, name), { recursive: true });
    return host.id;
  }

  /** alice asks for a host by id, bob approves (staging needs one approval). */
  async grantHost(hostId: string, durationMinutes = 60): Promise<string> {
    const req = await this.ok('alice', 'POST', '/api/requests', { hostId, reason: 'benchmark', ticket: 'BENCH-1', durationMinutes });
    const approved = await this.ok('bob', 'POST', `/api/requests/${req.id}/approve`, {});
    if (approved.status !== 'approved') throw new Error(`grant not approved: ${approved.status}`);
    return req.id;
  }

  /** alice's terminal of `sessionId`: where to connect and with what. */
  async terminal(sessionId: string): Promise<{ url: string; headers: Record<string, string> }> {
    return { url: this.terminalUrl(sessionId), headers: { authorization: `Bearer ${await this.token('alice')}` } };
  }
}

/** The recorded output of a session, in order, as one sha256 and its length. */
export async function recordedOutput(db: Database, sessionId: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (let after = -1; ; ) {
    const { rows } = await db.pool.query<{ seq: number; data: Buffer }>(
      `SELECT seq, data FROM recording_chunks WHERE session_id = $1 AND kind = 'o' AND seq > $2 ORDER BY seq LIMIT 200`,
      [sessionId, after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      hash.update(r.data);
      bytes += r.data.length;
      after = r.seq;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}
