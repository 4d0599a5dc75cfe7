// Sessions die with the login: a logout, an expired token, or any token the
// verification refuses closes that user's terminals and event streams on every
// replica; the shell then ends after the disconnect grace, as for a closed browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, type Harness } from '../helpers/harness.js';

/** An open event stream; `ended` resolves when the broker closes it. */
async function eventStream(h: Harness, user: string): Promise<{ ended: Promise<void>; abort(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${h.url}/api/events`, { headers: { authorization: `Bearer ${await h.token(user)}` }, signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return;
  })().catch(() => {});
  return { ended, abort: () => controller.abort() };
}

async function twoReplicas(t: import('node:test').TestContext, env: Record<string, string> = {}) {
  const a = await startHarness(t, { BREAKGLASS_DISCONNECT_GRACE_SECONDS: '1', ...env });
  // A second replica shares the first one's database, SSH CA and evidence signing key, as replicas must.
  const b = await startHarness(t, {
    DATABASE_URL: a.broker.databaseUrl,
    BREAKGLASS_SSH_CA_KEY_FILE: `${a.dataDir}/ssh/ca`,
    BREAKGLASS_SIGNING_KEY_FILE: `${a.dataDir}/evidence/signing-key`,
    BREAKGLASS_DISCONNECT_GRACE_SECONDS: '1',
    ...env,
  });
  return { a, b };
}

test('a logout closes the terminal and the event streams on every replica, then the shell ends', { timeout: 90_000 }, async (t) => {
  const { a, b } = await twoReplicas(t);
  const sessionId = await a.openSession(await a.grant('staging-web-1', 30, 'alice', ['bob']));
  const term = await a.attach(sessionId);
  term.send('echo still-here\n');
  await term.waitForOutput('still-here');
  // b logs alice in with the same token a uses, so both replicas hold streams of that one login.
  const token = await a.token('alice');
  (b as unknown as { tokens: Map<string, string> }).tokens.set('alice', token);
  const onA = await eventStream(a, 'alice');
  const onB = await eventStream(b, 'alice');
  assert.equal((await a.api('alice', 'POST', '/api/auth/logout', {})).status, 200);
  const closed = await term.closed;
  assert.equal(closed.code, 4001);
  await onA.ended;
  await onB.ended;
  await a.eventually(
    () => a.prisma.session.findUniqueOrThrow({ where: { id: sessionId } }),
    (s) => s.endReason === 'disconnected',
    'the shell ended after the grace',
  );
  await assert.rejects(a.attach(sessionId), /HTTP 401/);
});

test('a token that stops verifying without any message (expired, revoked elsewhere) is caught by the periodic check', { timeout: 90_000 }, async (t) => {
  const { a, b } = await twoReplicas(t, { BREAKGLASS_LOGIN_RECHECK_SECONDS: '1' });
  const sessionId = await a.openSession(await a.grant('staging-web-2', 30, 'alice', ['bob']));
  const term = await a.attach(sessionId);
  (b as unknown as { tokens: Map<string, string> }).tokens.set('alice', await a.token('alice'));
  const onB = await eventStream(b, 'alice');
  const bob = await eventStream(b, 'bob');
  // As if the token had run out: its row's expiry is now, and nobody announces it.
  await a.prisma.authToken.updateMany({ where: { user: { username: 'alice' } }, data: { expiresAt: new Date() } });
  assert.equal((await term.closed).code, 4001);
  await onB.ended;
  await a.eventually(
    () => a.prisma.session.findUniqueOrThrow({ where: { id: sessionId } }),
    (s) => s.endReason === 'disconnected',
    'the shell ended after the grace',
  );
  assert.equal(b.broker.loginWatch.size, 1, "bob's stream stays open");
  bob.abort();
  await bob.ended;
});
