import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLogs } from '../helpers/log-capture.js';
import { startHarness } from '../helpers/harness.js';

test('login sets an httpOnly SameSite cookie that authenticates; logout kills the token', async (t) => {
  const h = await startHarness(t);
  const res = await fetch(`${h.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'demo' }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { token: string; user: { username: string; roles: string[] } };
  assert.deepEqual(body.user.roles, ['requester']);
  const cookie = res.headers.get('set-cookie')!;
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  const jar = cookie.split(';')[0]!;
  assert.equal((await h.api(undefined, 'GET', '/api/me', undefined, { cookie: jar })).body.username, 'alice');
  const bearer = { authorization: `Bearer ${body.token}` };
  assert.equal((await h.api(undefined, 'GET', '/api/me', undefined, bearer)).status, 200);
  assert.equal((await h.api(undefined, 'POST', '/api/auth/logout', undefined, bearer)).status, 200);
  assert.equal((await h.api(undefined, 'GET', '/api/me', undefined, bearer)).status, 401);
  assert.equal((await h.api(undefined, 'GET', '/api/me', undefined, { cookie: jar })).status, 401);
});

test('bad credentials get 401 and an audit event, and say nothing about which part was wrong', async (t) => {
  const h = await startHarness(t);
  const wrong = await h.api(undefined, 'POST', '/api/auth/login', { username: 'alice', password: 'nope' });
  const unknown = await h.api(undefined, 'POST', '/api/auth/login', { username: 'mallory', password: 'demo' });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.body, unknown.body);
  const failures = await h.prisma.auditEvent.findMany({ where: { type: 'auth.login_failed' } });
  assert.deepEqual(
    failures.map((f) => (f.data as { username: string }).username),
    ['alice', 'mallory'],
  );
  for (const body of [
    { username: 'al\u0000ice', password: 'demo' },
    { username: '<script>', password: 'demo' },
    { username: 'alice' },
    { username: 'alice', password: 5 },
    {},
  ]) {
    const res = await h.api(undefined, 'POST', '/api/auth/login', body);
    assert.equal(res.status, 400, JSON.stringify(body));
  }
  assert.equal((await h.api(undefined, 'GET', '/api/hosts')).status, 401);
  assert.equal((await h.api(undefined, 'GET', '/api/hosts', undefined, { authorization: 'Bearer abc.def.ghi' })).status, 401);
});

test('login attempts are rate limited', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_LOGIN_RATE_LIMIT: '3' });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await h.api(undefined, 'POST', '/api/auth/login', { username: 'alice', password: 'guess' + i })).status);
  assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  const limited = await h.api(undefined, 'POST', '/api/auth/login', { username: 'alice', password: 'demo' });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'rate_limited');
});

test('health, metrics and unknown routes', async (t) => {
  const h = await startHarness(t);
  assert.deepEqual((await h.api(undefined, 'GET', '/healthz')).body, { ok: true });
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  for (const name of ['breakglass_sessions_active', 'breakglass_replacements_pending', 'breakglass_hosts_drifted', 'breakglass_recording_bytes_total']) {
    assert.match(metrics, new RegExp(`^${name} `, 'm'));
  }
  const missing = await h.api('alice', 'GET', '/api/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
});

test('the OpenAPI document describes the contract from the route schemas', async (t) => {
  const h = await startHarness(t);
  const doc = await h.api(undefined, 'GET', '/api/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi.startsWith('3.'), true);
  for (const path of ['/api/auth/login', '/api/requests', '/api/requests/{id}/approve', '/api/sessions/{id}', '/api/audit/verify', '/api/drift']) {
    assert.ok(doc.body.paths[path], `${path} is documented`);
  }
  assert.deepEqual(doc.body.paths['/api/requests'].post.requestBody.content['application/json'].schema.required.sort(), [
    'durationMinutes',
    'hostId',
    'reason',
  ]);
});

test('logs carry request ids and never a password, token or cookie', async (t) => {
  const logs = captureLogs();
  const h = await startHarness(t, { BREAKGLASS_LOG_LEVEL: 'debug' }, { logStream: logs.stream });
  const password = 'demo';
  const login = await fetch(`${h.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me-42' },
    body: JSON.stringify({ username: 'alice', password }),
  });
  const { token } = (await login.json()) as { token: string };
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  await fetch(`${h.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  await fetch(`${h.url}/api/me`, { headers: { cookie } });
  await h.api(undefined, 'POST', '/api/auth/login', { username: 'alice', password: 'wrong-password-123' });
  assert.match(logs.text(), /"reqId":"trace-me-42"/);
  assert.ok(!logs.text().includes(token), 'no token');
  assert.ok(!logs.text().includes(token.split('.')[2]!), 'no token signature');
  assert.ok(!logs.text().includes('wrong-password-123'), 'no password');
  assert.ok(!logs.text().includes(h.broker.config.tokenSecret), 'no secret');
});
