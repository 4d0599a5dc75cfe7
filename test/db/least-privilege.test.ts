// The broker's own database role cannot touch the evidence: whoever holds
// DATABASE_URL can add rows, never change or remove them, nor switch off the
// triggers that say so. Migrations run as a separate owner role.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { prepareDatabase } from '../../src/db/database-setup.js';
import { migrate } from '../../src/db/migrate.js';
import { APPEND_ONLY_TABLES, applyGrants, ensureRoles, privilegeProblems } from '../../src/db/roles.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { asSuperuser, freshDatabase, freshRoles, tempDataDir } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

async function refused(pool: pg.Pool | pg.Client, sql: string, why: RegExp): Promise<void> {
  await assert.rejects(pool.query(sql), why, `${sql} must be refused`);
}

test("with the broker's role, every way of changing the evidence is refused", async (t) => {
  const h = await startHarness(t);
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  // Its own connection, as the broker's role: a refused statement must not leave the broker's pool mid-transaction.
  const pool = new pg.Client({ connectionString: h.broker.databaseUrl });
  await pool.connect();
  t.after(() => pool.end());
  assert.deepEqual(await privilegeProblems(pool), []);
  // A text column of each append-only table, to try to rewrite.
  const column: Record<string, string> = { recording_chunks: 'kind', captures: 'kind' };
  for (const table of APPEND_ONLY_TABLES) {
    await refused(pool, `UPDATE ${table} SET ${column[table] ?? 'hash'} = 'x'`, /permission denied/);
    await refused(pool, `DELETE FROM ${table}`, /permission denied/);
    await refused(pool, `TRUNCATE ${table}`, /permission denied/);
    await refused(pool, `ALTER TABLE ${table} DISABLE TRIGGER USER`, /must be owner/);
    await refused(pool, `ALTER TABLE ${table} OWNER TO current_user`, /must be owner/);
    await refused(pool, `CREATE TRIGGER sneaky BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION append_only()`, /permission denied/);
  }
  await refused(pool, 'SET session_replication_role = replica', /permission denied/);
  await refused(pool, `BEGIN; SET LOCAL session_replication_role = replica; DELETE FROM audit_events; COMMIT`, /permission denied/);
  await pool.query('ROLLBACK');
  await refused(pool, 'CREATE TABLE audit_events_copy (id int)', /permission denied/);
  await refused(pool, 'DROP TABLE audit_events', /must be owner/);
  await refused(pool, 'ALTER ROLE current_user SUPERUSER', /permission denied/);
  // What it needs still works: it appended every event above, and reads them.
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
  assert.ok(rows[0]!.n > 3);
  assert.equal((await h.api('dave', 'GET', '/api/audit/verify')).body.ok, true);
});

test('grants cover tables that later migrations add, and are re-applied idempotently at every start', async () => {
  const { brokerUrl, ownerUrl } = await freshRoles();
  const logs: string[] = [];
  const install = (url: string) => Scheduler.install(url, () => {});
  await prepareDatabase({ databaseUrl: brokerUrl, databaseMigrateUrl: ownerUrl, dataDir: '' }, (m) => logs.push(m), install);
  // Another issue's migration, applied later, makes a table of its own.
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query('CREATE TABLE later_feature (id int PRIMARY KEY, note text)');
  await owner.end();
  await prepareDatabase({ databaseUrl: brokerUrl, databaseMigrateUrl: ownerUrl, dataDir: '' }, (m) => logs.push(m), install);
  const broker = new pg.Client({ connectionString: brokerUrl });
  await broker.connect();
  try {
    await broker.query(`INSERT INTO later_feature VALUES (1, 'a')`);
    await broker.query(`UPDATE later_feature SET note = 'b'`);
    await broker.query('DELETE FROM later_feature');
    await broker.query('SELECT count(*) FROM pgboss.job');
    await refused(broker, 'TRUNCATE later_feature', /permission denied/);
    await refused(broker, "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('x', 'x', 'x')", /permission denied/);
    await refused(broker, 'CREATE TABLE pgboss.mine (id int)', /permission denied/);
    assert.deepEqual(await privilegeProblems(broker), []);
  } finally {
    await broker.end();
  }
  assert.ok(!logs.some((l) => l.includes('WARNING')), logs.join('\n'));
  await applyGrants(ownerUrl, new URL(brokerUrl).username);
});

test('one URL for both keeps working, with a warning that the broker runs as owner', async () => {
  const url = await freshDatabase();
  const logs: string[] = [];
  const db = await prepareDatabase(
    { databaseUrl: url, databaseMigrateUrl: undefined, dataDir: '' },
    (m) => logs.push(m),
    async () => {},
  );
  assert.equal(db.brokerUrl, db.ownerUrl);
  assert.match(logs.join('\n'), /WARNING: the broker runs as the owner of its tables \(role \w+ is a superuser/);
  assert.doesNotMatch(logs.join('\n'), new RegExp(new URL(url).password), 'no password in the log');
});

test('a database migrated by the superuser before the split is handed over to the owner role', async () => {
  const url = await freshDatabase();
  await migrate(url); // the old way: every table owned by the superuser
  const name = new URL(url).pathname.slice(1);
  const urls = await ensureRoles(
    url,
    { owner: `${name}_owner`, broker: `${name}_broker` },
    { owner: randomBytes(9).toString('hex'), broker: randomBytes(9).toString('hex') },
  );
  const logs: string[] = [];
  await prepareDatabase(
    { databaseUrl: urls.brokerUrl, databaseMigrateUrl: urls.ownerUrl, dataDir: '' },
    (m) => logs.push(m),
    (u) => Scheduler.install(u, () => {}),
  );
  const owners = await asSuperuser(url, (c) =>
    c.query<{ relname: string; owner: string }>(`
    SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'`),
  );
  assert.ok(owners.rows.length > 5);
  for (const r of owners.rows) assert.equal(r.owner, `${name}_owner`, r.relname);
  assert.ok(!logs.some((l) => l.includes('WARNING')), logs.join('\n'));
});

test('the embedded default creates both roles, their passwords in 0600 files of the data dir', async () => {
  const dataDir = tempDataDir();
  try {
    const logs: string[] = [];
    const db = await prepareDatabase(
      { databaseUrl: undefined, databaseMigrateUrl: undefined, dataDir },
      (m) => logs.push(m),
      (u) => Scheduler.install(u, () => {}),
    );
    try {
      assert.equal(new URL(db.brokerUrl).username, 'breakglass_broker');
      assert.equal(new URL(db.ownerUrl).username, 'breakglass_owner');
      for (const f of ['pg-owner-password', 'pg-broker-password']) assert.equal(statSync(path.join(dataDir, f)).mode & 0o777, 0o600, f);
      const broker = new pg.Client({ connectionString: db.brokerUrl });
      await broker.connect();
      try {
        assert.deepEqual(await privilegeProblems(broker), []);
        await refused(broker, 'SET session_replication_role = replica', /permission denied/);
      } finally {
        await broker.end();
      }
      assert.ok(!logs.some((l) => l.includes('WARNING')), logs.join('\n'));
    } finally {
      await db.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
