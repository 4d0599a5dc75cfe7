import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processAlive } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';
import type { Connector } from '../../src/terminal/connectors/connector.js';

test('a session is killed server-side when its grant expires, after a warning', async (t) => {
  // One policy minute lasts 1 s here: an 8-minute grant ends 8 s after approval, warned 4 s before.
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '1000', BREAKGLASS_WARN_BEFORE_END_MINUTES: '4' });
  const requestId = await h.grant('staging-web-1', 8, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const pid = h.broker.services.sessions.terminal(sessionId)!.pid;
  const term = await h.attach(sessionId);
  term.send('while :; do echo tick; sleep 0.2; done\n');
  await term.waitForOutput('tick');
  await term.until((c) => c.notices.some((n) => n.includes('Access ends in 4 minute')), 'the warning');
  assert.equal(await term.waitForExit(), 'expired');

  const request = await h.api('bob', 'GET', `/api/requests/${requestId}`);
  const session = await h.api('alice', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.endReason, 'expired');
  assert.ok(Date.parse(session.body.endedAt) >= Date.parse(request.body.expiresAt), 'not before the end of the window');
  assert.equal(processAlive(pid), false, 'the shell is gone');
  const marks = (await h.broker.services.recordings.bytes(sessionId, 'm')).toString();
  assert.match(marks, /Access ends in 4 minute/);
  assert.match(marks, /session ended: expired/);

  const reopen = await h.api('alice', 'POST', `/api/requests/${requestId}/sessions`, {});
  assert.equal(reopen.status, 409);
  await h.eventually(
    () => h.api('bob', 'GET', `/api/requests/${requestId}`),
    (r) => r.body.status === 'closed',
    'grant closed',
  );
});

test('revoking a grant kills its live session at once', async (t) => {
  const h = await startHarness(t);
  const requestId = await h.grant('staging-web-2', 30, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const pid = h.broker.services.sessions.terminal(sessionId)!.pid;
  const term = await h.attach(sessionId);
  term.send('echo ready\n');
  await term.waitForOutput('ready');
  const notApprover = await h.api('dave', 'POST', `/api/requests/${requestId}/revoke`, {});
  assert.equal(notApprover.status, 403);
  const revoked = await h.api('carol', 'POST', `/api/requests/${requestId}/revoke`, {});
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.status, 'revoked');
  assert.equal(await term.waitForExit(), 'revoked');
  assert.equal(processAlive(pid), false);
  assert.equal((await h.api('alice', 'GET', `/api/sessions/${sessionId}`)).body.endReason, 'revoked');
  assert.equal((await h.api('alice', 'POST', `/api/requests/${requestId}/sessions`, {})).status, 409);
  assert.equal((await h.api('carol', 'POST', `/api/requests/${requestId}/revoke`, {})).status, 409);
});

test('a dropped browser does not leave the shell running past the grace period', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_DISCONNECT_GRACE_SECONDS: '1' });
  const requestId = await h.grant('staging-db-1', 30, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const pid = h.broker.services.sessions.terminal(sessionId)!.pid;
  const term = await h.attach(sessionId);
  term.send('echo here\n');
  await term.waitForOutput('here');
  term.ws.terminate();
  const s = await h.eventually(
    () => h.api('alice', 'GET', `/api/sessions/${sessionId}`),
    (r) => r.body.endedAt !== null,
    'session end',
  );
  assert.equal(s.body.endReason, 'disconnected');
  assert.equal(processAlive(pid), false);
});

test('a reconnect inside the grace period resumes the same shell', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_DISCONNECT_GRACE_SECONDS: '30' });
  const requestId = await h.grant('staging-db-1', 30, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const first = await h.attach(sessionId);
  first.send('export MARK=kept-$((40+2)); echo set-$((1+1))\n');
  await first.waitForOutput('set-2');
  first.ws.terminate();
  await first.closed;
  const second = await h.attach(sessionId);
  second.send('echo $MARK\n');
  await second.waitForOutput('kept-42');
  second.send('exit\n');
  assert.equal(await second.waitForExit(), 'exit');
});

test('a grant revoked while its shell is being prepared ends that shell at once, and the open is refused', async (t) => {
  // The local connector, held at prepare until the test lets it go (the revoke lands in between).
  let preparing!: () => void;
  const prepared = new Promise<void>((r) => (preparing = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const gated: Connector = {
    type: 'local',
    async prepare() {
      preparing();
      await released;
      return { file: '/bin/sh', args: [], env: { PATH: '/usr/bin:/bin' }, cwd: '/tmp', dispose: async () => {} };
    },
  };
  const h = await startHarness(t, {}, { connectors: [gated] });
  const requestId = await h.grant('staging-web-1', 30, 'alice', ['bob']);
  const opening = h.api('alice', 'POST', `/api/requests/${requestId}/sessions`, {});
  await prepared;
  const killHeard = new Promise<void>((resolve) =>
    h.broker.feed.on('message', (m) => {
      if (m.type === 'kill' && m.requestId === requestId) resolve();
    }),
  );
  assert.equal((await h.api('carol', 'POST', `/api/requests/${requestId}/revoke`, {})).status, 200);
  await killHeard; // this replica was told to kill the grant's sessions: none was live yet
  release();
  const opened = await opening;
  assert.equal(opened.status, 409, JSON.stringify(opened.body));
  assert.equal(opened.body.error.code, 'outside_window');
  const { rows } = await h.broker.db.pool.query<{ id: string; end_reason: string | null }>('SELECT id, end_reason FROM sessions WHERE request_id = $1', [
    requestId,
  ]);
  assert.equal(rows[0]?.end_reason, 'revoked', 'the shell that started is ended as revoked, not left to the next reconciliation');
  assert.equal(h.broker.services.sessions.terminal(rows[0]!.id), undefined);
});
