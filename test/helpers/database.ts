// Each test (file) gets its own database inside the run's embedded Postgres.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureRoles } from '../../src/db/roles.js';

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

export async function freshDatabase(): Promise<string> {
  const name = `bg_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** The owner role's URL for a broker-role URL made by freshRoles (undefined for any other URL). */
const ownerUrls = new Map<string, string>();
export const migrateUrlFor = (databaseUrl: string): string | undefined => ownerUrls.get(databaseUrl);

/**
 * A fresh database with its own owner and broker roles (roles are cluster-wide,
 * so their names carry the database's, and parallel test files never share one).
 */
export async function freshRoles(): Promise<{ brokerUrl: string; ownerUrl: string }> {
  const url = await freshDatabase();
  const name = new URL(url).pathname.slice(1);
  const urls = await ensureRoles(
    url,
    { owner: `${name}_owner`, broker: `${name}_broker` },
    { owner: randomBytes(12).toString('hex'), broker: randomBytes(12).toString('hex') },
  );
  ownerUrls.set(urls.brokerUrl, urls.ownerUrl);
  return urls;
}

/** DATABASE_URL (broker role) and DATABASE_MIGRATE_URL (owner) for a broker: given ones are kept. */
export async function brokerDatabaseEnv(env: Record<string, string>): Promise<Record<string, string>> {
  if (env.DATABASE_URL === '') return {}; // the embedded default, as without DATABASE_URL
  if (env.DATABASE_URL) {
    const owner = env.DATABASE_MIGRATE_URL ?? migrateUrlFor(env.DATABASE_URL);
    return { DATABASE_URL: env.DATABASE_URL, ...(owner ? { DATABASE_MIGRATE_URL: owner } : {}) };
  }
  const { brokerUrl, ownerUrl } = await freshRoles();
  return { DATABASE_URL: brokerUrl, DATABASE_MIGRATE_URL: ownerUrl };
}

/** Runs SQL as the Postgres superuser against one database (tampering tests), whichever role `databaseUrl` names. */
export async function asSuperuser<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(databaseUrl);
  const admin = new URL(adminUrl());
  if (url.host === admin.host) {
    url.username = admin.username;
    url.password = admin.password;
  }
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-test-'));
  chmodSync(dir, 0o711);
  return dir;
}

/** Whether a process still exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
