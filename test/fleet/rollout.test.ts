// Roll-outs against the real broker: an environment moved onto a new image a
// few hosts at a time, never a host with an open session, stopping at the
// first failure, progress readable throughout.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startHarness, type Harness } from '../helpers/harness.js';

async function newImage(h: Harness, name: string, version: string, files: Record<string, string> | null) {
  const source = `images/${name}-${version}`;
  for (const [file, content] of Object.entries(files ?? {})) {
    mkdirSync(path.dirname(path.join(h.dataDir, source, file)), { recursive: true });
    writeFileSync(path.join(h.dataDir, source, file), content);
  }
  const res = await h.api('admin', 'POST', '/api/images', { name, version, source: files ? source : 'images/web-base-2026.11.1' });
  assert.equal(res.status, 201);
  if (!files) await h.prisma.image.update({ where: { id: res.body.id }, data: { source: 'images/missing' } });
  return res.body.id as string;
}

const rolloutOf = async (h: Harness, id: string) =>
  (await h.api('alice', 'GET', '/api/rollouts?environment=staging')).body.find((r: { id: string }) => r.id === id);

test('a roll-out replaces a few hosts at a time, waits for open sessions, and moves the whole environment', async (t) => {
  const h = await startHarness(t);
  const from = (await h.prisma.image.findUniqueOrThrow({ where: { name: 'web-base' } })).id;
  const to = await newImage(h, 'web-base-next', '2026.12.1', { 'etc/app.conf': 'workers=8\n' });
  for (const name of ['staging-web-3', 'staging-web-4'])
    assert.equal((await h.api('admin', 'POST', '/api/hosts', { name, environment: 'staging', imageId: from, connector: 'local' })).status, 201);
  const busy = await h.openSession(await h.grant('staging-web-2', 15, 'alice', ['bob']));
  const term = await h.attach(busy);

  const body = { environment: 'staging', fromImageId: from, toImageId: to, maxUnavailable: 2 };
  assert.equal((await h.api('bob', 'POST', '/api/rollouts', body)).status, 403);
  assert.equal((await h.api('admin', 'POST', '/api/rollouts', { ...body, toImageId: from })).status, 400);
  assert.equal((await h.api('admin', 'POST', '/api/rollouts', { ...body, maxUnavailable: 0 })).status, 400);
  assert.equal((await h.api('admin', 'POST', '/api/rollouts', { ...body, environment: 'nowhere' })).body.error.code, 'nothing_to_roll');
  const started = await h.api('admin', 'POST', '/api/rollouts', body);
  assert.equal(started.status, 201, JSON.stringify(started.body));
  assert.equal(started.body.progress.total, 4);
  assert.equal((await h.api('admin', 'POST', '/api/rollouts', body)).body.error.code, 'rollout_running');
  assert.equal(
    (await h.api('alice', 'GET', '/api/environments')).body.find((e: { environment: string }) => e.environment === 'staging').targetVersion,
    '2026.12.1',
  );

  // Three hosts move; the one with an open session waits for it.
  const imageOf = async (name: string) => (await h.prisma.host.findUniqueOrThrow({ where: { name } })).imageId;
  await h.eventually(
    () => Promise.all(['staging-web-1', 'staging-web-3', 'staging-web-4'].map(imageOf)),
    (images) => images.every((i) => i === to),
    'the three free hosts on the new image',
    60_000,
  );
  const waiting = await h.eventually(
    () => rolloutOf(h, started.body.id),
    (r) => r.progress.inProgress === 0,
    'nothing in flight',
  );
  assert.deepEqual(waiting.progress, { total: 4, replaced: 3, inProgress: 0, failed: 0, waitingForSessions: 1 });
  assert.equal(waiting.status, 'running');
  assert.equal((await h.prisma.host.findUniqueOrThrow({ where: { name: 'staging-web-2' } })).imageId, from, 'a host with an open session is not touched');
  term.send('exit\n');
  await term.waitForExit();
  const done = await h.eventually(
    () => rolloutOf(h, started.body.id),
    (r) => r.status !== 'running',
    'the roll-out to finish',
  );
  assert.equal(done.status, 'succeeded', done.error);
  const hosts = await h.prisma.host.findMany({ where: { environment: 'staging', name: { startsWith: 'staging-web' } } });
  assert.deepEqual(
    hosts.map((x) => x.imageId),
    hosts.map(() => to),
  );
  assert.equal(readFileSync(path.join(h.dataDir, 'hosts', 'staging-web-4', 'etc/app.conf'), 'utf8'), 'workers=8\n');

  // Never more than maxUnavailable at once: no three of its replacements overlap in time.
  const mine = await h.prisma.replacement.findMany({ where: { rolloutId: started.body.id }, include: { host: { select: { name: true } } } });
  // Each host exactly once (test/fleet/rollout-race.test.ts: a host moved while the roll-out decided is not replaced again).
  assert.deepEqual(mine.map((r) => r.host.name).sort(), ['staging-web-1', 'staging-web-2', 'staging-web-3', 'staging-web-4']);
  for (const r of mine) {
    const overlapping = mine.filter((o) => o.createdAt <= r.createdAt && (o.finishedAt ?? new Date()) > r.createdAt);
    assert.ok(overlapping.length <= 2, `${overlapping.length} replacements in flight at once`);
  }
  const types = (await h.prisma.auditEvent.findMany({ where: { subjectId: started.body.id }, orderBy: { id: 'asc' } })).map((e) => e.type);
  assert.deepEqual(types, ['rollout.started', 'rollout.succeeded']);
  // The database host was not part of it: it is now staging's one weird box.
  const left = (await h.api('alice', 'GET', '/api/fleet')).body.exceptions.filter((e: { host: { environment: string } }) => e.host.environment === 'staging');
  assert.deepEqual(
    left.map((e: { host: { name: string }; reasons: { kind: string }[] }) => [e.host.name, e.reasons.map((r) => r.kind)]),
    [['staging-db-1', ['off_target']]],
  );
});

test('a roll-out stops at the first failed replacement', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' });
  const from = (await h.prisma.image.findUniqueOrThrow({ where: { name: 'web-base' } })).id;
  const broken = await newImage(h, 'web-broken', '2026.12.2', null);
  const started = await h.api('admin', 'POST', '/api/rollouts', { environment: 'production', fromImageId: from, toImageId: broken, maxUnavailable: 1 });
  assert.equal(started.status, 201);
  const stopped = await h.eventually(
    async () => (await h.api('admin', 'GET', '/api/rollouts')).body[0],
    (r) => r.status !== 'running',
    'the roll-out to stop',
  );
  assert.equal(stopped.status, 'failed');
  assert.match(stopped.error, /replacement of prod-web-1 failed: .*has no directory.*the roll-out stopped/);
  assert.deepEqual(stopped.progress, { total: 2, replaced: 0, inProgress: 0, failed: 1, waitingForSessions: 0 });
  assert.equal(await h.prisma.replacement.count({ where: { rolloutId: stopped.id } }), 1, 'no other host was touched');
  assert.equal((await h.prisma.host.findUniqueOrThrow({ where: { name: 'prod-web-2' } })).imageId, from);
});
