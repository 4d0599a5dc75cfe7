// Local accounts administered through the API: every change audited, a
// disabled user or a role change ends the user's tokens at once, password
// rules hold, and no plain password reaches a log or the audit trail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLogs } from '../helpers/log-capture.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const PASSWORD = 'a long enough password 1';

async function loginStatus(h: Harness, username: string, password: string) {
  return h.api(undefined, 'POST', '/api/auth/login', { username, password });
}

async function create(h: Harness, body: object) {
  return h.api('admin', 'POST', '/api/users', body);
}

test('admins create users; bad input gets 400/409 and changes nothing; only admins may', async (t) => {
  const h = await startHarness(t);
  const before = await h.prisma.user.count();
  for (const [body, status] of [
    [{ username: 'frank', password: 'short', roles: ['requester'] }, 400],
    [{ username: 'frank', password: 'frank-frank-frank', roles: ['requester'] }, 400],
    [{ username: 'frank', password: PASSWORD, roles: [] }, 400],
    [{ username: 'frank', password: PASSWORD, roles: ['root'] }, 400],
    [{ username: 'fr ank', password: PASSWORD, roles: ['requester'] }, 400],
    [{ username: 'frank', password: PASSWORD, roles: ['requester'], extra: 1 }, 400],
    [{ username: 'alice', password: PASSWORD, roles: ['requester'] }, 409],
  ] as const) {
    const res = await create(h, body);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(typeof res.body.error.code, 'string');
  }
  assert.equal(await h.prisma.user.count(), before);
  assert.equal(await h.prisma.auditEvent.count({ where: { type: 'user.created' } }), 0);
  assert.equal((await h.api('bob', 'POST', '/api/users', { username: 'frank', password: PASSWORD, roles: ['requester'] })).status, 403);
  assert.equal((await h.api(undefined, 'GET', '/api/users')).status, 401);
  assert.equal((await h.api('alice', 'GET', '/api/users')).status, 403);

  const made = await create(h, { username: 'frank', password: PASSWORD, roles: ['requester', 'approver'], email: 'frank@example.com' });
  assert.equal(made.status, 201);
  assert.deepEqual(
    { ...made.body, id: undefined, createdAt: undefined },
    {
      id: undefined,
      createdAt: undefined,
      username: 'frank',
      roles: ['requester', 'approver'],
      email: 'frank@example.com',
      displayName: null,
      source: 'local',
      disabled: false,
    },
  );
  assert.equal((await loginStatus(h, 'frank', PASSWORD)).status, 200);
  const event = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'user.created' } });
  assert.equal(event.actor, 'admin');
  assert.equal(event.subjectId, made.body.id);
});

test('a disabled user cannot log in and their tokens die at once; re-enabled, they can log in again', async (t) => {
  const h = await startHarness(t);
  const alice = await h.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  assert.equal((await h.api('alice', 'GET', '/api/me')).status, 200);
  const disabled = await h.api('admin', 'POST', `/api/users/${alice.id}/disable`);
  assert.equal(disabled.status, 200);
  assert.equal(disabled.body.disabled, true);
  assert.equal((await h.api('alice', 'GET', '/api/me')).status, 401, 'the token issued before is dead');
  assert.equal(await h.prisma.authToken.count({ where: { userId: alice.id, revokedAt: null } }), 0, 'revoked in the same transaction');
  const refused = await loginStatus(h, 'alice', 'demo');
  assert.equal(refused.status, 401);
  assert.deepEqual(refused.body, (await loginStatus(h, 'alice', 'wrong')).body, 'a disabled account looks like a wrong password');

  const enabled = await h.api('admin', 'POST', `/api/users/${alice.id}/enable`);
  assert.equal(enabled.body.disabled, false);
  assert.equal((await loginStatus(h, 'alice', 'demo')).status, 200);
  const types = (await h.prisma.auditEvent.findMany({ where: { subjectId: alice.id, type: { startsWith: 'user.' } }, orderBy: { id: 'asc' } })).map(
    (e) => e.type,
  );
  assert.deepEqual(types, ['user.disabled', 'user.enabled']);
});

test('token verification refuses a disabled user even if a token row was left live', async (t) => {
  const h = await startHarness(t);
  assert.equal((await h.api('dave', 'GET', '/api/me')).status, 200);
  await h.prisma.user.update({ where: { username: 'dave' }, data: { disabledAt: new Date() } });
  assert.equal((await h.api('dave', 'GET', '/api/me')).status, 401);
});

test("changing roles revokes the user's tokens; the next login carries the new roles", async (t) => {
  const h = await startHarness(t);
  const bob = await h.prisma.user.findUniqueOrThrow({ where: { username: 'bob' } });
  assert.equal((await h.api('bob', 'GET', '/api/me')).status, 200);
  const changed = await h.api('admin', 'PUT', `/api/users/${bob.id}/roles`, { roles: ['auditor'] });
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body.roles, ['auditor']);
  assert.equal((await h.api('bob', 'GET', '/api/me')).status, 401);
  const login = await loginStatus(h, 'bob', 'demo');
  assert.deepEqual(login.body.user.roles, ['auditor']);
  const event = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'user.roles_changed' } });
  assert.deepEqual(event.data, { username: 'bob', from: ['approver'], to: ['auditor'], source: 'admin', tokensRevoked: 1 });
  for (const body of [{ roles: [] }, { roles: ['king'] }, { roles: ['auditor', 'auditor'] }, {}]) {
    assert.equal((await h.api('admin', 'PUT', `/api/users/${bob.id}/roles`, body)).status, 400, JSON.stringify(body));
  }
  assert.equal((await h.api('admin', 'PUT', '/api/users/00000000-0000-4000-8000-000000000000/roles', { roles: ['auditor'] })).status, 404);
});

test('an admin cannot disable themselves or drop their own admin role', async (t) => {
  const h = await startHarness(t);
  const admin = await h.prisma.user.findUniqueOrThrow({ where: { username: 'admin' } });
  const disable = await h.api('admin', 'POST', `/api/users/${admin.id}/disable`);
  assert.equal(disable.status, 409);
  assert.equal(disable.body.error.code, 'self_lockout');
  assert.equal((await h.api('admin', 'PUT', `/api/users/${admin.id}/roles`, { roles: ['auditor'] })).body.error.code, 'self_lockout');
  assert.equal((await h.api('admin', 'GET', '/api/me')).status, 200);
});

test('password reset: rules hold, the old password stops working, no plain password in logs or audit', async (t) => {
  const logs = captureLogs();
  const h = await startHarness(t, { BREAKGLASS_LOG_LEVEL: 'debug' }, { logStream: logs.stream });
  const carol = await h.prisma.user.findUniqueOrThrow({ where: { username: 'carol' } });
  const weak = await h.api('admin', 'POST', `/api/users/${carol.id}/password`, { password: 'tooshort-1' });
  assert.equal(weak.status, 400);
  assert.match(weak.body.error.message, /at least 12/);
  assert.ok(!weak.body.error.message.includes('tooshort-1'));
  const secret = 'a new secret passphrase';
  assert.equal((await h.api('carol', 'GET', '/api/me')).status, 200);
  assert.equal((await h.api('admin', 'POST', `/api/users/${carol.id}/password`, { password: secret })).status, 200);
  assert.equal((await h.api('carol', 'GET', '/api/me')).status, 401, 'a reset ends the old tokens');
  assert.equal((await loginStatus(h, 'carol', 'demo')).status, 401);
  assert.equal((await loginStatus(h, 'carol', secret)).status, 200);
  await create(h, { username: 'gina', password: 'gina secret passphrase', roles: ['auditor'] });
  const audit = JSON.stringify(await h.prisma.auditEvent.findMany({ select: { data: true } }));
  for (const p of [secret, 'tooshort-1', 'gina secret passphrase']) {
    assert.ok(!audit.includes(p), `no "${p}" in audit`);
    assert.ok(!logs.text().includes(p), `no "${p}" in logs`);
  }
  assert.equal(await h.prisma.auditEvent.count({ where: { type: 'user.password_reset' } }), 1);
});

test('with local accounts off, password login is refused', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_LOCAL_ACCOUNTS: '0' });
  const res = await loginStatus(h, 'alice', 'demo');
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, 'local_accounts_off');
});

test("separation of duties across accounts: an approver with the requester's e-mail cannot approve, extend or review", async (t) => {
  const h = await startHarness(t);
  await create(h, { username: 'henry', password: PASSWORD, roles: ['requester'], email: 'henry@example.com' });
  await create(h, { username: 'henry-sso', password: PASSWORD, roles: ['approver'], email: 'Henry@Example.com' });
  await h.token('henry', PASSWORD);
  await h.token('henry-sso', PASSWORD);
  const request = await h.api('henry', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'disk full', durationMinutes: 15 });
  assert.equal(request.status, 201);
  const refused = await h.api('henry-sso', 'POST', `/api/requests/${request.body.id}/approve`, {});
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'separation_of_duties');
  assert.equal((await h.api('bob', 'POST', `/api/requests/${request.body.id}/approve`, {})).body.status, 'approved');

  const asked = await h.api('henry', 'POST', `/api/requests/${request.body.id}/extensions`, { minutes: 10, reason: 'still full' });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  const extension = `/api/requests/${request.body.id}/extensions/${asked.body.extensions[0].id}`;
  for (const decision of ['approve', 'deny']) {
    const res = await h.api('henry-sso', 'POST', `${extension}/${decision}`, { comment: 'fine by me' });
    assert.equal(res.status, 403, `${decision}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'separation_of_duties');
  }

  const policy = { approvalsRequired: 1, minDurationMinutes: 1, maxDurationMinutes: 240, emergencyAllowed: true, emergencyApprovalsRequired: 0 };
  assert.equal((await h.api('admin', 'PUT', '/api/policies/staging', policy)).status, 200);
  const emergency = await h.api('henry', 'POST', '/api/requests', {
    hostId: await h.hostId('staging-web-2'),
    reason: 'db down, nobody answers',
    durationMinutes: 15,
    emergency: true,
  });
  assert.equal(emergency.body.status, 'approved', JSON.stringify(emergency.body));
  const review = await h.api('henry-sso', 'POST', `/api/requests/${emergency.body.id}/review`, { outcome: 'acknowledged' });
  assert.equal(review.status, 403);
  assert.equal(review.body.error.code, 'separation_of_duties');
  assert.equal((await h.api('bob', 'GET', `/api/requests/${emergency.body.id}`)).body.review.reviewer, null, 'nothing was reviewed');
});
