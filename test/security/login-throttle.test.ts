// Login throttling counts failed attempts per username and per client; behind
// a reverse proxy (BREAKGLASS_TRUST_PROXY) the client is the forwarded address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('failed logins are throttled per username (across clients) and per client (across usernames)', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t, { BREAKGLASS_LOGIN_RATE_LIMIT: '3', BREAKGLASS_TRUST_PROXY: '127.0.0.1' });
  const login = (username: string, password: string, client: string) =>
    h.api(undefined, 'POST', '/api/auth/login', { username, password }, { 'x-forwarded-for': client });
  // One account guessed from many addresses.
  for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) assert.equal((await login('bob', 'guess', client)).status, 401);
  const locked = await login('bob', 'demo', '203.0.113.4');
  assert.equal(locked.status, 429, 'even the right password from a new address is refused for now');
  assert.equal(locked.body.error.code, 'rate_limited');
  // Many accounts guessed from one address.
  for (const user of ['alice', 'carol', 'dave']) assert.equal((await login(user, 'guess', '198.51.100.7')).status, 401);
  assert.equal((await login('erin', 'demo', '198.51.100.7')).status, 429, 'that client is throttled');
  assert.equal((await login('erin', 'demo', '198.51.100.8')).status, 200, 'another client (seen through the trusted proxy) is not');
  const failures = await h.prisma.auditEvent.count({ where: { type: 'auth.login_failed' } });
  assert.equal(failures, 6, 'every refused password is audited; throttled attempts never reach the password check');
});
