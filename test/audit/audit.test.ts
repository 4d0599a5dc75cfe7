import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asSuperuser } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

test('every step of the lifecycle is an audit event, in order, and the chain verifies', async (t) => {
  const h = await startHarness(t);
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  term.send('exit\n');
  await term.waitForExit();
  await h.eventually(
    () => h.api('dave', 'GET', '/api/replacements'),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  const events = (await h.api('dave', 'GET', '/api/audit?limit=1000')).body as { type: string; id: string }[];
  const types = events.map((e) => e.type).filter((x) => !x.startsWith('host.') && x !== 'demo.seeded' && !x.startsWith('auth.'));
  assert.deepEqual(types, [
    'request.created',
    'request.approval',
    'request.approved',
    'session.started',
    'session.ended',
    'replacement.scheduled',
    'replacement.started',
    'capture.succeeded',
    'replacement.succeeded',
  ]);
  const ids = events.map((e) => BigInt(e.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => (a < b ? -1 : 1)),
  );
  const page = (await h.api('dave', 'GET', `/api/audit?after=${events[2]!.id}&limit=2&type=auth.login`)).body;
  assert.equal(page.length, 2, 'the filter leaves logins after the third event to page through');
  assert.ok(page.every((e: { type: string; id: string }) => e.type === 'auth.login' && BigInt(e.id) > BigInt(events[2]!.id)));
  const verify = await h.api('dave', 'GET', '/api/audit/verify');
  assert.equal(verify.body.ok, true);
  assert.equal(verify.body.count, await h.prisma.auditEvent.count());
  assert.equal(verify.body.head, (await h.prisma.auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } })).hash);
  assert.equal((await h.api('alice', 'GET', '/api/audit')).status, 403);
  assert.equal((await h.api('dave', 'GET', '/api/audit?limit=abc')).status, 400);
});

test('audit events are append-only for the application', async (t) => {
  const h = await startHarness(t);
  await assert.rejects(h.prisma.$executeRaw`UPDATE audit_events SET type = 'x'`, /append-only|permission denied/);
  await assert.rejects(h.prisma.$executeRaw`DELETE FROM audit_events`, /append-only|permission denied/);
  await assert.rejects(h.prisma.$executeRaw`TRUNCATE audit_events`, /append-only|permission denied/);
});

test('verification fails when a superuser edits or deletes an event', async (t) => {
  const h = await startHarness(t);
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  assert.equal((await h.api('dave', 'GET', '/api/audit/verify')).body.ok, true);
  const target = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'request.approved' } });
  await asSuperuser(h.broker.databaseUrl, (c) =>
    c.query(`
    ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update;
    UPDATE audit_events SET data = jsonb_set(data, '{expiresAt}', '"2099-01-01T00:00:00.000Z"') WHERE id = ${target.id};
    ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update;`),
  );
  const edited = await h.api('dave', 'GET', '/api/audit/verify');
  assert.equal(edited.body.ok, false);
  assert.equal(edited.body.brokenAt, String(target.id));
});

test('a deleted event breaks the chain too', async (t) => {
  const h = await startHarness(t);
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const target = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'request.approval' } });
  await asSuperuser(h.broker.databaseUrl, (c) => c.query(`SET session_replication_role = replica; DELETE FROM audit_events WHERE id = ${target.id};`));
  const verify = await h.api('dave', 'GET', '/api/audit/verify');
  assert.equal(verify.body.ok, false);
  assert.equal(verify.body.brokenAt, String(target.id + 1n));
});
