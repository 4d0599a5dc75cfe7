import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleStep, idleWarnAfterMs } from '../../src/terminal/time-box.js';
import { processAlive } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

test("a session with no input for the policy's idle minutes is warned, then ends as idle and its host is replaced", async (t) => {
  // One policy minute lasts 1 s; staging's idle timeout is 2 minutes.
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '1000' });
  const put = await h.api('admin', 'PUT', '/api/policies/staging', {
    approvalsRequired: 1,
    minDurationMinutes: 1,
    maxDurationMinutes: 240,
    idleTimeoutMinutes: 2,
  });
  assert.equal(put.status, 200);
  assert.equal(put.body.idleTimeoutMinutes, 2);
  const requestId = await h.grant('staging-web-1', 120, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const pid = h.broker.services.sessions.terminal(sessionId)!.pid;
  const term = await h.attach(sessionId);
  await term.until((c) => c.notices.some((n) => n.includes('ends as idle')), 'the idle warning');
  assert.equal(await term.waitForExit(), 'idle');
  assert.equal(processAlive(pid), false);
  const session = await h.api('alice', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.endReason, 'idle');
  const replacement = await h.prisma.replacement.findFirst({ where: { sessionId } });
  assert.ok(replacement, 'the host is replaced as after any session');
  const listed = await h.api('bob', 'GET', '/api/sessions?endReason=idle');
  assert.deepEqual(
    listed.body.map((s: { id: string }) => s.id),
    [sessionId],
  );
  const marks = (await h.broker.services.recordings.bytes(sessionId, 'm')).toString();
  assert.match(marks, /ends as idle/);
  assert.match(marks, /session ended: idle/);
  assert.equal((await h.api('alice', 'GET', `/api/requests/${requestId}`)).body.status, 'approved', 'the grant itself stays open');
});

test('the idle rule: wait until the warning point, warn once, end at the limit; input starts the count again', () => {
  const limit = 120_000;
  const warnAfter = idleWarnAfterMs(limit, 60_000);
  assert.equal(warnAfter, 60_000, 'one minute before the end');
  assert.equal(idleWarnAfterMs(60_000, 60_000), 30_000, 'half-way for a one-minute timeout');
  assert.deepEqual(idleStep(0, limit, warnAfter, false), { action: 'wait', nextInMs: 60_000 });
  assert.deepEqual(idleStep(60_000, limit, warnAfter, false), { action: 'warn', nextInMs: 60_000 });
  assert.deepEqual(idleStep(90_000, limit, warnAfter, true), { action: 'wait', nextInMs: 30_000 });
  assert.deepEqual(idleStep(120_000, limit, warnAfter, true), { action: 'end' });
  assert.deepEqual(idleStep(10_000, limit, warnAfter, false), { action: 'wait', nextInMs: 50_000 }, 'after input, back to waiting');
});

test('a policy without an idle timeout leaves a quiet session alone', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '1000' });
  const policy = (await h.api('bob', 'GET', '/api/policies')).body.find((p: { environment: string }) => p.environment === 'staging');
  assert.equal(policy.idleTimeoutMinutes, null);
  const bad = await h.api('admin', 'PUT', '/api/policies/staging', {
    approvalsRequired: 1,
    minDurationMinutes: 1,
    maxDurationMinutes: 240,
    idleTimeoutMinutes: 0,
  });
  assert.equal(bad.status, 400);
});
