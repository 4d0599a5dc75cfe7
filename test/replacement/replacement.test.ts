import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('a session taints its host; the replacement rebuilds it from its image', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('staging-web-1');
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  assert.equal((await h.api('alice', 'GET', `/api/hosts/${hostId}`)).body.state, 'in_use');
  const drifting = await h.api('alice', 'GET', '/api/drift');
  assert.deepEqual(
    drifting.body.map((d: { host: { name: string } }) => d.host.name),
    ['staging-web-1'],
  );
  const term = await h.attach(sessionId);
  term.send('echo hotfix > etc/app.conf; touch weird-file; exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  const hostDir = path.join(h.dataDir, 'hosts', 'staging-web-1');
  assert.ok(existsSync(path.join(hostDir, 'weird-file')));

  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  assert.equal(done.body.length, 1);
  assert.equal(done.body[0].sessionId, sessionId);
  assert.equal(done.body[0].attempts, 1);
  const host = await h.api('alice', 'GET', `/api/hosts/${hostId}`);
  assert.equal(host.body.state, 'healthy');
  assert.equal(host.body.instance, 2);
  assert.equal(host.body.taintedAt, null);
  assert.equal(existsSync(path.join(hostDir, 'weird-file')), false);
  assert.equal(readFileSync(path.join(hostDir, 'etc/app.conf'), 'utf8'), 'workers=4\nlog_level=info\n');
  assert.deepEqual((await h.api('alice', 'GET', '/api/drift')).body, []);
});

test('replacements are coalesced per host and wait for the last open session', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('staging-db-1');
  const a = await h.openSession(await h.grant('staging-db-1', 15, 'alice', ['bob']));
  const b = await h.openSession(await h.grant('staging-db-1', 15, 'erin', ['bob']), 'erin');
  const ta = await h.attach(a);
  ta.send('exit\n');
  await ta.waitForExit();
  const pending = await h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`);
  assert.equal(pending.body.length, 1);
  assert.equal(pending.body[0].status, 'scheduled');
  assert.equal((await h.api('alice', 'GET', `/api/hosts/${hostId}`)).body.state, 'in_use');
  // Nobody gets onto a host that is waiting for its replacement.
  const refused = await h.api('alice', 'POST', '/api/requests', { hostId, reason: 'again', durationMinutes: 5 });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'host_unavailable');
  const tb = await h.attach(b, 'erin');
  tb.send('exit\n');
  await tb.waitForExit();
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  assert.equal(done.body.length, 1);
  await assert.rejects(
    h.prisma.$transaction([
      h.prisma.replacement.create({ data: { hostId, provider: 'local-image' } }),
      h.prisma.replacement.create({ data: { hostId, provider: 'local-image' } }),
    ]),
    /Unique constraint|unique/i,
  );
});

test('a host being replaced is never granted: approvals and sessions wait', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('prod-db-1');
  const pendingId = (await h.api('alice', 'POST', '/api/requests', { hostId, reason: 'second', durationMinutes: 5 })).body.id;
  const first = await h.openSession(await h.grant('prod-db-1', 15, 'erin', ['bob', 'carol']), 'erin');
  const approvedUnused = await h.grant('prod-web-1', 15, 'alice', ['bob', 'carol']);
  // Block the replacement: the image directory vanishes, so every attempt fails.
  const image = await h.prisma.image.findUniqueOrThrow({ where: { name: 'db-base' } });
  rmSync(path.join(h.dataDir, image.source), { recursive: true, force: true });
  const t1 = await h.attach(first, 'erin');
  t1.send('exit\n');
  await t1.waitForExit();
  await h.api('bob', 'POST', `/api/requests/${pendingId}/approve`, {});
  const refused = await h.api('carol', 'POST', `/api/requests/${pendingId}/approve`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'host_unavailable');
  assert.equal((await h.api('alice', 'POST', `/api/requests/${approvedUnused}/sessions`, {})).status, 201, 'other hosts are unaffected');
});

test('a failing replacement is retried with backoff, audited, and left visible as failed', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '1', BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS: '1' });
  const hostId = await h.hostId('staging-web-2');
  const image = await h.prisma.image.findUniqueOrThrow({ where: { name: 'web-base' } });
  const imageDir = path.join(h.dataDir, image.source);
  rmSync(imageDir, { recursive: true, force: true });
  const s = await h.openSession(await h.grant('staging-web-2', 15, 'alice', ['bob']));
  const term = await h.attach(s);
  term.send('exit\n');
  await term.waitForExit();
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'failed',
    'final failure',
    60_000,
  );
  assert.equal(failed.body[0].attempts, 2);
  assert.match(failed.body[0].lastError, /has no directory/);
  assert.equal((await h.api('alice', 'GET', `/api/hosts/${hostId}`)).body.state, 'failed');
  const drift = (await h.api('alice', 'GET', '/api/drift')).body;
  assert.equal(drift[0].host.name, 'staging-web-2');
  assert.equal(drift[0].replacement.status, 'failed');
  const steps = await h.prisma.auditEvent.findMany({ where: { subjectId: failed.body[0].id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((e) => e.type),
    ['replacement.scheduled', 'replacement.started', 'replacement.attempt_failed', 'replacement.started', 'replacement.failed'],
  );
});

test('an admin brings a failed host back by asking for a replacement once the cause is fixed', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' });
  const hostId = await h.hostId('staging-web-1');
  const image = await h.prisma.image.findUniqueOrThrow({ where: { name: 'web-base' } });
  const imageDir = path.join(h.dataDir, image.source);
  renameSync(imageDir, `${imageDir}.away`);
  const term = await h.attach(await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob'])));
  term.send('exit\n');
  await term.waitForExit();
  await h.eventually(
    () => h.api('alice', 'GET', `/api/hosts/${hostId}`),
    (r) => r.body.state === 'failed',
    'failed host',
  );
  assert.equal((await h.api('bob', 'POST', `/api/hosts/${hostId}/replace`)).status, 403);
  assert.equal((await h.api('admin', 'POST', '/api/hosts/00000000-0000-4000-8000-000000000000/replace')).status, 404);
  renameSync(`${imageDir}.away`, imageDir);
  const asked = await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`);
  assert.equal(asked.status, 202);
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`)).body.error.code, 'replacement_pending');
  const host = await h.eventually(
    () => h.api('alice', 'GET', `/api/hosts/${hostId}`),
    (r) => r.body.state === 'healthy',
    'healthy host',
  );
  assert.equal(host.body.taintedAt, null);
  const steps = await h.prisma.auditEvent.findMany({ where: { subjectId: asked.body.id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((e) => e.type),
    ['replacement.requested', 'replacement.started', 'replacement.succeeded'],
  );
  assert.equal(steps[0]!.actor, 'admin');
});
