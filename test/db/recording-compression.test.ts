// The recording column is compressed with lz4 where the server has it (about a
// third of the Postgres CPU per GB of text that pglz takes, README "Storage of recordings"), and the
// broker starts unchanged where it does not.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';
import { settleRecordingCompression } from '../../src/db/recording-compression.js';
import { migrate } from '../../src/db/migrate.js';
import { ensureRoles } from '../../src/db/roles.js';
import { CHAIN_START, checkChunks } from '../../src/recording/recording-fns.js';
import { freshRoles } from '../helpers/database.js';
import { type DistributionPostgres, distributionPostgresBin, startDistributionPostgres } from '../helpers/distribution-postgres.js';
import { startHarness } from '../helpers/harness.js';

async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const lz4On = async (url: string) =>
  (await query<{ lz4: boolean }>(url, `SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`))[0]!.lz4;
const columnCompression = async (url: string) =>
  (await query<{ c: string }>(url, `SELECT attcompression::text AS c FROM pg_attribute WHERE attrelid = 'recording_chunks'::regclass AND attname = 'data'`))[0]!
    .c;

test('on the embedded Postgres the broker starts, and the recording column says lz4 exactly when the server has it', async (t) => {
  const env = await freshRoles();
  const h = await startHarness(t, { DATABASE_URL: env.brokerUrl, DATABASE_MIGRATE_URL: env.ownerUrl });
  assert.equal((await h.api('alice', 'GET', '/api/me')).status, 200);
  const lz4 = await lz4On(env.ownerUrl);
  assert.equal(await columnCompression(env.ownerUrl), lz4 ? 'l' : '');
  assert.deepEqual(await settleRecordingCompression(env.ownerUrl, () => {}), { compression: lz4 ? 'lz4' : 'pglz', changed: false });
});

const bin = distributionPostgresBin();
const skip = bin ? false : 'no Postgres under /usr/lib/postgresql (apt install postgresql; .ci/run does)';
let server: DistributionPostgres | undefined;
// After the harness's own clean-up (a test's after-hooks run first): the broker closes before its server stops.
after(() => server?.stop());

/** A fresh database with its owner and broker roles on the distribution's server (started once for the file). */
async function lz4Database(): Promise<{ superuser: string; brokerUrl: string; ownerUrl: string }> {
  server ??= await startDistributionPostgres(bin!);
  assert.equal(await lz4On(server.adminUrl), true, 'the distribution server has lz4');
  const name = `bg_${randomBytes(6).toString('hex')}`;
  await query(server.adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  const superuser = url.toString();
  return { superuser, ...(await ensureRoles(superuser, { owner: `${name}_owner`, broker: `${name}_broker` }, { owner: 'o', broker: 'b' })) };
}

test("on a distribution's Postgres (built with lz4), a session's chunks are stored with lz4 and read back unchanged", { skip }, async (t) => {
  const { superuser, brokerUrl, ownerUrl } = await lz4Database();
  const logged: string[] = [];
  const h = await startHarness(t, { DATABASE_URL: brokerUrl, DATABASE_MIGRATE_URL: ownerUrl });
  assert.equal(await columnCompression(ownerUrl), 'l');
  // A second start finds it set and changes nothing.
  assert.deepEqual(await settleRecordingCompression(ownerUrl, (m) => logged.push(m)), { compression: 'lz4', changed: false });
  assert.deepEqual(logged, []);
  // Only the owner sets it: the broker's own role (least privilege) may not alter the table.
  await assert.rejects(query(brokerUrl, 'ALTER TABLE recording_chunks ALTER COLUMN data SET COMPRESSION pglz'), /must be owner/);

  // Terminal text, compressible as logs and listings are: rows above Postgres's TOAST threshold get compressed.
  const { sessionId, term } = await h.shell('staging-web-1', { approvers: ['bob'] });
  term.send(`for i in $(seq 1 400); do echo "line $i of a long listing, the same words again and again"; done; echo DONE-$((6*7))\n`);
  await term.waitForOutput('DONE-42');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');

  const stored = await query<{ c: string | null; n: number }>(
    superuser,
    `SELECT pg_column_compression(data) AS c, count(*)::int AS n FROM recording_chunks WHERE session_id = $1 GROUP BY 1`,
    [sessionId],
  );
  const byMethod = Object.fromEntries(stored.map((r) => [r.c ?? 'none', r.n]));
  assert.ok((byMethod.lz4 ?? 0) > 0, `chunks stored with lz4: ${JSON.stringify(byMethod)}`);
  assert.equal(byMethod.pglz, undefined, `no chunk stored with pglz: ${JSON.stringify(byMethod)}`);

  // The bytes come back as written: the chain of hashes over them holds, and the output is all there.
  const rows = await h.prisma.recordingChunk.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  const chain = checkChunks(
    rows.map((r) => ({ seq: r.seq, atMs: r.atMs, kind: r.kind as 'o', data: Buffer.from(r.data), hash: Buffer.from(r.hash) })),
    CHAIN_START,
    0,
  );
  assert.equal(chain.ok, true);
  const output = Buffer.concat(rows.filter((r) => r.kind === 'o').map((r) => Buffer.from(r.data))).toString();
  for (const i of [1, 200, 400]) assert.match(output, new RegExp(`line ${i} of a long listing`));
});

test('behind a long reader of the recording table, the change gives up and says so, and the next start makes it', { skip }, async () => {
  const { superuser, ownerUrl } = await lz4Database();
  await migrate(ownerUrl);
  // An export's transaction, holding its lock on the table.
  const reader = new pg.Client({ connectionString: superuser });
  await reader.connect();
  try {
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM recording_chunks');
    const logged: string[] = [];
    assert.deepEqual(await settleRecordingCompression(ownerUrl, (m) => logged.push(m)), { compression: 'pglz', changed: false });
    assert.match(logged.join('\n'), /stay compressed with pglz for now: the recording table was busy/);
    assert.equal(await columnCompression(ownerUrl), '');
    await reader.query('COMMIT');
  } finally {
    await reader.end();
  }
  assert.deepEqual(await settleRecordingCompression(ownerUrl, () => {}), { compression: 'lz4', changed: true });
  assert.equal(await columnCompression(ownerUrl), 'l');
});
