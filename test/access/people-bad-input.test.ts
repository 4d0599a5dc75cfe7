import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('bad input to extensions, reviews, emergency policy and notification channels is refused with the error shape and changes nothing', async (t) => {
  const h = await startHarness(t);
  const requestId = await h.grant('staging-web-1', 30, 'alice', ['bob']);
  const unknown = '00000000-0000-4000-8000-000000000000';
  await h.token('admin'); // a login is an audit event of its own
  const auditBefore = await h.prisma.auditEvent.count();
  const channel = (fields: Record<string, unknown>) => ({
    environment: 'staging',
    name: 'x',
    kind: 'slack',
    target: 'https://hooks.test/',
    events: ['request.created'],
    ...fields,
  });
  const policy = (fields: Record<string, unknown>) => ({ approvalsRequired: 1, minDurationMinutes: 1, maxDurationMinutes: 60, ...fields });
  const extensions = `/api/requests/${requestId}/extensions`;
  const cases: [string, string, string, unknown, number][] = [
    ['alice', 'POST', '/api/requests/not-a-uuid/extensions', { minutes: 5, reason: 'x' }, 400],
    ['alice', 'POST', `/api/requests/${unknown}/extensions`, { minutes: 5, reason: 'x' }, 404],
    ['alice', 'POST', extensions, { minutes: 5 }, 400],
    ['alice', 'POST', extensions, { minutes: 5, reason: 'a\u001b[31mb' }, 400],
    ['alice', 'POST', extensions, { minutes: '5', reason: 'x' }, 400],
    ['alice', 'POST', extensions, { minutes: 5, reason: '   ' }, 400],
    ['bob', 'POST', `${extensions}/${unknown}/approve`, {}, 404],
    ['bob', 'POST', `${extensions}/${unknown}/deny`, {}, 400],
    ['bob', 'POST', `/api/requests/${requestId}/review`, { outcome: 'ok' }, 400],
    ['bob', 'POST', `/api/requests/${unknown}/review`, { outcome: 'acknowledged' }, 404],
    ['bob', 'POST', `/api/requests/${requestId}/review`, { outcome: 'acknowledged' }, 409],
    ['bob', 'GET', '/api/reviews?state=late', undefined, 400],
    ['alice', 'POST', '/api/requests', { hostId: unknown, reason: 'x', durationMinutes: 5, emergency: 'yes' }, 400],
    ['admin', 'PUT', '/api/policies/staging', policy({ emergencyApprovalsRequired: 2 }), 400],
    ['admin', 'PUT', '/api/policies/staging', policy({ reviewWithinHours: 0 }), 400],
    ['admin', 'PUT', '/api/policies/staging', policy({ emergencyAllowed: 'true' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ kind: 'pager', target: 'https://a.test/' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ target: 'javascript:alert(1)' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ target: 'https://user:pw@hooks.test/' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ name: 'a\nb' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ environment: 'Staging!' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ events: ['request.hacked'] }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ events: undefined }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ kind: 'email', target: 'a@b.test, not-an-address' }), 400],
    ['admin', 'POST', '/api/notifications/channels', channel({ secret: 'a-secret-nothing-would-use' }), 400],
    ['admin', 'DELETE', `/api/notifications/channels/${unknown}`, undefined, 404],
    ['admin', 'GET', '/api/notifications/deliveries?status=lost', undefined, 400],
    ['bob', 'POST', '/api/notifications/channels', channel({}), 403],
    // The role is checked before the body: a non-admin learns nothing of an admin route's schema.
    ['alice', 'PATCH', `/api/notifications/channels/${unknown}`, { bogus: 1 }, 403],
    ['alice', 'PUT', '/api/environments/staging', { bogus: 1 }, 403],
    ['alice', 'PUT', '/api/policies/staging', {}, 403],
    ['alice', 'POST', '/api/rollouts', {}, 403],
  ];
  for (const [user, method, path, body, status] of cases) {
    const res = await h.api(user, method, path, body);
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.error?.code, 'string', `${method} ${path}: error shape`);
    assert.equal(typeof res.body.error?.message, 'string');
  }
  assert.equal(await h.prisma.extension.count(), 0);
  assert.equal(await h.prisma.notificationChannel.count(), 0);
  assert.equal((await h.api('alice', 'GET', `/api/requests/${requestId}`)).body.review, null);
  const staging = (await h.api('bob', 'GET', '/api/policies')).body.find((p: { environment: string }) => p.environment === 'staging');
  assert.equal(staging.emergencyAllowed, false);
  assert.equal(await h.prisma.auditEvent.count(), auditBefore, 'no audit event for refused input');
});
