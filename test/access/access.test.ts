import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('nobody approves their own request, and only approvers decide', async (t) => {
  const h = await startHarness(t);
  const created = await h.api('erin', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'mine', durationMinutes: 15 });
  assert.equal(created.status, 201);
  const self = await h.api('erin', 'POST', `/api/requests/${created.body.id}/approve`, {});
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, 'separation_of_duties');
  const selfDeny = await h.api('erin', 'POST', `/api/requests/${created.body.id}/deny`, { comment: 'no' });
  assert.equal(selfDeny.status, 403);
  const byRequester = await h.api('alice', 'POST', `/api/requests/${created.body.id}/approve`, {});
  assert.equal(byRequester.status, 403);
  assert.equal(byRequester.body.error.code, 'role_required');
  const after = await h.api('bob', 'GET', `/api/requests/${created.body.id}`);
  assert.equal(after.body.status, 'pending');
  assert.deepEqual(after.body.approvals, []);
});

test('production needs a second, different approver; staging needs one', async (t) => {
  const h = await startHarness(t);
  const prod = await h.api('alice', 'POST', '/api/requests', {
    hostId: await h.hostId('prod-web-1'),
    reason: 'disk full',
    ticket: 'INC-7',
    durationMinutes: 30,
  });
  assert.equal(prod.body.approvalsRequired, 2);
  const first = await h.api('bob', 'POST', `/api/requests/${prod.body.id}/approve`, { comment: 'ok' });
  assert.equal(first.body.status, 'pending');
  assert.equal(first.body.approvals.length, 1);
  const again = await h.api('bob', 'POST', `/api/requests/${prod.body.id}/approve`, {});
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'already_decided');
  const noSession = await h.api('alice', 'POST', `/api/requests/${prod.body.id}/sessions`, {});
  assert.equal(noSession.status, 409);
  const second = await h.api('carol', 'POST', `/api/requests/${prod.body.id}/approve`, {});
  assert.equal(second.body.status, 'approved');
  assert.ok(second.body.expiresAt);
  const window = Date.parse(second.body.expiresAt) - Date.parse(second.body.approvedAt);
  assert.equal(window, 30 * 60_000);
  const late = await h.api('erin', 'POST', `/api/requests/${prod.body.id}/approve`, {});
  assert.equal(late.status, 409);

  const staging = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'r', durationMinutes: 5 });
  assert.equal((await h.api('bob', 'POST', `/api/requests/${staging.body.id}/approve`, {})).body.status, 'approved');
});

test('a denial ends the request', async (t) => {
  const h = await startHarness(t);
  const r = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('prod-web-2'), reason: 'r', durationMinutes: 5 });
  await h.api('bob', 'POST', `/api/requests/${r.body.id}/approve`, {});
  const denied = await h.api('carol', 'POST', `/api/requests/${r.body.id}/deny`, { comment: 'use the runbook' });
  assert.equal(denied.status, 200);
  assert.equal(denied.body.status, 'denied');
  assert.equal(denied.body.approvals.at(-1).comment, 'use the runbook');
  assert.equal((await h.api('erin', 'POST', `/api/requests/${r.body.id}/approve`, {})).status, 409);
  assert.equal((await h.api('alice', 'POST', `/api/requests/${r.body.id}/sessions`, {})).status, 409);
  const noComment = await h.api('bob', 'POST', `/api/requests/${r.body.id}/deny`, {});
  assert.equal(noComment.status, 400);
});

test('an unanswered request expires after its TTL', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '100', BREAKGLASS_REQUEST_TTL_MINUTES: '5' });
  const r = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-db-1'), reason: 'r', durationMinutes: 5 });
  const expired = await h.eventually(
    () => h.api('alice', 'GET', `/api/requests/${r.body.id}`),
    (x) => x.body.status === 'expired',
    'request expiry',
  );
  assert.ok(expired.body.closedAt);
  assert.equal((await h.api('bob', 'POST', `/api/requests/${r.body.id}/approve`, {})).status, 409);
  const events = await h.prisma.auditEvent.findMany({ where: { subjectId: r.body.id } });
  assert.deepEqual(
    events.map((e) => e.type),
    ['request.created', 'request.expired'],
  );
});

test('requesters see only their own requests; approvers see all', async (t) => {
  const h = await startHarness(t);
  const r = await h.api('erin', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-2'), reason: 'r', durationMinutes: 5 });
  assert.equal((await h.api('alice', 'GET', `/api/requests/${r.body.id}`)).status, 404);
  assert.deepEqual((await h.api('alice', 'GET', '/api/requests')).body, []);
  assert.equal((await h.api('bob', 'GET', '/api/requests?status=pending')).body.length, 1);
  assert.equal((await h.api('dave', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-2'), reason: 'r', durationMinutes: 5 })).status, 403);
});

test('bad input is refused with the contract error shape and changes nothing', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('staging-web-1');
  const cases: [unknown, number][] = [
    [{ hostId, reason: 'r', durationMinutes: '15' }, 400],
    [{ hostId, reason: 'r', durationMinutes: 15.5 }, 400],
    [{ hostId, reason: '', durationMinutes: 15 }, 400],
    [{ hostId, reason: '   ', durationMinutes: 15 }, 400],
    [{ hostId, durationMinutes: 15 }, 400],
    [{ hostId, reason: 'r', durationMinutes: 15, extra: 1 }, 400],
    [{ hostId, reason: 'r', durationMinutes: 100000 }, 400],
    [{ hostId, reason: 'r', durationMinutes: 500 }, 400],
    [{ hostId, reason: 'bell\u0007 and escape \u001b[2J', durationMinutes: 15 }, 400],
    [{ hostId, reason: 'r', ticket: 'x\u0000y', durationMinutes: 15 }, 400],
    [{ hostId: 'not-a-uuid', reason: 'r', durationMinutes: 15 }, 400],
    [{ hostId: '00000000-0000-4000-8000-000000000000', reason: 'r', durationMinutes: 15 }, 404],
    [{ hostId, reason: 'x'.repeat(20_000), durationMinutes: 15 }, 413],
    ['{"hostId":', 400],
    [[1, 2], 400],
  ];
  for (const [body, status] of cases) {
    const res = await h.api('alice', 'POST', '/api/requests', body);
    assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    assert.equal(typeof res.body.error?.code, 'string');
    assert.equal(typeof res.body.error?.message, 'string');
  }
  assert.equal((await h.api('alice', 'POST', '/api/requests', 'hostId=1', { 'content-type': 'application/x-www-form-urlencoded' })).status, 415);
  assert.equal((await h.api('bob', 'POST', '/api/requests/nope/approve', {})).status, 400);
  assert.equal((await h.api('bob', 'POST', '/api/requests/00000000-0000-4000-8000-000000000000/approve', {})).status, 404);
  assert.equal((await h.api('bob', 'GET', '/api/requests?status=bogus')).status, 400);
  assert.equal(await h.prisma.accessRequest.count(), 0);
  assert.equal(await h.prisma.auditEvent.count({ where: { type: { startsWith: 'request.' } } }), 0);
});

test('hostile strings are stored and returned verbatim, never interpreted', async (t) => {
  const h = await startHarness(t);
  const reason = `<img src=x onerror=alert(1)> '; DROP TABLE access_requests; -- "quoted" \\ ünïcødé\ttab\nnewline`;
  const r = await h.api('alice', 'POST', '/api/requests', {
    hostId: await h.hostId('staging-web-1'),
    reason,
    ticket: '<script>x</script>',
    durationMinutes: 15,
  });
  assert.equal(r.status, 201);
  const back = await h.api('bob', 'GET', `/api/requests/${r.body.id}`);
  assert.equal(back.body.reason, reason);
  assert.equal(back.body.ticket, '<script>x</script>');
  assert.match(
    String((await fetch(`${h.url}/api/requests/${r.body.id}`, { headers: { authorization: `Bearer ${await h.token('bob')}` } })).headers.get('content-type')),
    /application\/json/,
  );
});

test('admins change an environment policy; the change is audited and applies to new requests', async (t) => {
  const h = await startHarness(t);
  const body = { approvalsRequired: 3, minDurationMinutes: 2, maxDurationMinutes: 30 };
  assert.equal((await h.api('bob', 'PUT', '/api/policies/staging', body)).status, 403);
  for (const bad of [{ ...body, approvalsRequired: 0 }, { ...body, maxDurationMinutes: 1 }, { ...body, extra: 1 }, { approvalsRequired: '3' }]) {
    assert.equal((await h.api('admin', 'PUT', '/api/policies/staging', bad)).status, 400, JSON.stringify(bad));
  }
  assert.equal((await h.api('admin', 'PUT', '/api/policies/Bad%20Env', body)).status, 400);
  const put = await h.api('admin', 'PUT', '/api/policies/staging', body);
  // The issue-12 fields (idle timeout, emergency, review) keep their defaults when not given.
  assert.deepEqual(put.body, {
    environment: 'staging',
    ...body,
    idleTimeoutMinutes: null,
    emergencyAllowed: false,
    emergencyApprovalsRequired: 0,
    emergencyMaxDurationMinutes: 30,
    reviewWithinHours: 24,
  });
  const listed = (await h.api('alice', 'GET', '/api/policies')).body.find((p: { environment: string }) => p.environment === 'staging');
  assert.deepEqual(listed, put.body);
  const r = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'r', durationMinutes: 30 });
  assert.equal(r.body.approvalsRequired, 3);
  assert.equal((await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'r', durationMinutes: 31 })).status, 400);
  const events = await h.prisma.auditEvent.findMany({ where: { type: 'policy.updated' } });
  assert.equal(events.length, 1);
  assert.equal(events[0]!.actor, 'admin');
  assert.equal((events[0]!.data as { before: { approvalsRequired: number } }).before.approvalsRequired, 1);
  await h.api('admin', 'PUT', '/api/policies/staging', body);
  assert.equal(await h.prisma.auditEvent.count({ where: { type: 'policy.updated' } }), 1, 'an unchanged policy is not an event');
});
