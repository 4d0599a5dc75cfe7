// 100 sessions of a replica that is gone → 100 replacements, taken over and
// run by the two live replicas, each host rebuilt once and at the first try.
// (How fast is the benchmark's business: bench/jobs.ts.)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { asSuperuser } from '../helpers/database.js';
import { eventually, startReplicas } from './replicas.js';

const N = 100;

test('100 sessions of a replica whose lease expired end as interrupted and their 100 hosts are replaced once each', async (t) => {
  const { a, databaseUrl, dataDirs } = await startReplicas(t);
  await asSuperuser(databaseUrl, async (c) => {
    await c.query(
      `INSERT INTO brokers (id, started_at, heartbeat_at, lease_until) VALUES ('replica-gone', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour')`,
    );
    await c.query(`
      WITH img AS (SELECT id FROM images WHERE name = 'web-base'),
           alice AS (SELECT id FROM users WHERE username = 'alice'),
           h AS (INSERT INTO hosts (id, name, environment, image_id, connector, state)
                 SELECT gen_random_uuid(), 'many-' || i, 'staging', (SELECT id FROM img), 'local', 'in_use' FROM generate_series(1, ${N}) i RETURNING id),
           r AS (INSERT INTO access_requests (id, host_id, requester_id, reason, duration_minutes, status, approvals_required, pending_until, approved_at, expires_at)
                 SELECT gen_random_uuid(), h.id, (SELECT id FROM alice), 'many', 60, 'approved', 1, now(), now(), now() + interval '1 hour' FROM h RETURNING id, host_id)
      INSERT INTO sessions (id, request_id, host_id, user_id, broker_id, cols, rows)
        SELECT gen_random_uuid(), r.id, r.host_id, (SELECT id FROM alice), 'replica-gone', 80, 24 FROM r`);
  });
  // The hosts' directories, as the gone replica left them: what each session changed is captured before its rebuild.
  for (let i = 1; i <= N; i++) mkdirSync(path.join(dataDirs.a, 'hosts', `many-${i}`), { recursive: true });
  const done = await eventually(
    () =>
      asSuperuser(databaseUrl, (c) =>
        c.query(`SELECT r.status, r.attempts, h.instance, h.state FROM replacements r JOIN hosts h ON h.id = r.host_id WHERE h.name LIKE 'many-%'`),
      ).then((q) => q.rows),
    (rows) => rows.length === N && rows.every((r) => r.status === 'succeeded'),
    `${N} replacements to succeed`,
    170_000,
  );
  assert.ok(
    done.every((r) => r.attempts === 1 && r.instance === 2 && r.state === 'healthy'),
    'each host rebuilt once, at the first try',
  );
  const ends = (await a.api('dave', 'GET', '/api/audit?type=session.ended&limit=1000')).body as { data: { reason: string } }[];
  assert.equal(ends.length, N, 'each session ended exactly once');
  assert.ok(ends.every((e) => e.data.reason === 'interrupted'));
});
