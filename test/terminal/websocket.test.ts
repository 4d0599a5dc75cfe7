import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';
import { TerminalClient } from '../helpers/terminal-client.js';

test('the websocket refuses other origins, missing auth and other users', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob']));
  const url = `${h.url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/terminal`;
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 101,
      (e: { status?: number }) => e.status,
    );
  assert.equal(await status(h.attach(sessionId, 'alice', { origin: 'https://evil.example' })), 403);
  assert.equal(await status(TerminalClient.connect(url, {})), 401);
  assert.equal(await status(TerminalClient.connect(url, { authorization: 'Bearer not.a.jwt' })), 401);
  assert.equal(await status(h.attach(sessionId, 'admin')), 403);
  const sameOrigin = await h.attach(sessionId, 'alice', { origin: h.url });
  sameOrigin.send('exit\n');
  assert.equal(await sameOrigin.waitForExit(), 'exit');
  assert.equal(await status(h.attach(sessionId, 'alice')), 409);
});

test('approvers and auditors watch read-only', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  const watcher = await h.attach(sessionId, 'dave');
  await watcher.until((c) => c.notices.some((n) => n.includes('read-only')), 'read-only notice');
  watcher.send('echo from-the-watcher\n');
  await watcher.until((c) => c.notices.some((n) => n.includes('input is not sent')), 'refusal');
  term.send('echo from-$((1+1))-alice\n');
  await watcher.waitForOutput('from-2-alice');
  term.send('exit\n');
  assert.equal(await watcher.waitForExit(), 'exit');
  const input = (await h.broker.services.recordings.bytes(sessionId, 'i')).toString();
  assert.doesNotMatch(input, /from-the-watcher/);
});

test('malformed frames and absurd sizes are refused without harming the session', async (t) => {
  const h = await startHarness(t);
  assert.equal(
    (await h.api('alice', 'POST', `/api/requests/${await h.grant('staging-web-2', 15, 'alice', ['bob'])}/sessions`, { cols: 100000, rows: 10 })).status,
    400,
  );
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  assert.equal((await h.api('alice', 'POST', `/api/requests/${requestId}/sessions`, { cols: 0, rows: 10 })).status, 400);
  assert.equal((await h.api('alice', 'POST', `/api/requests/${requestId}/sessions`, { cols: '80', rows: 10 })).status, 400);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  const bad = [
    'not json',
    '[]',
    'null',
    '{"type":"resize","cols":-1,"rows":5}',
    '{"type":"resize","cols":99999,"rows":99999}',
    '{"type":"resize","cols":"80","rows":24}',
    '{"type":"shell","cmd":"rm -rf /"}',
  ];
  for (const frame of bad) term.control(frame);
  await term.until((c) => c.notices.filter((n) => n.startsWith('Ignored a control frame')).length === bad.length, 'all refusals');
  term.control({ type: 'resize', cols: 123, rows: 45 });
  term.send('stty size\n');
  await term.waitForOutput('45 123');
  const resizes = (await h.broker.services.recordings.bytes(sessionId, 'r')).toString();
  assert.match(resizes, /123x45/);
  term.ws.send(Buffer.alloc(512 * 1024, 0x61));
  const closed = await term.closed;
  assert.equal(closed.code, 1009);
});

test('a browser that pauses holds the shell: nothing is read, recorded or buffered until it resumes', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-db-1', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('echo ready-$((1+1))\n');
  await term.waitForOutput('ready-2');
  const session = h.broker.services.sessions.terminal(sessionId)!;
  term.control({ type: 'pause' });
  await h.eventually(
    async () => session.outputHeld,
    (held) => held,
    'the pty to be held',
  );
  term.send("head -c 3000000 /dev/zero | tr '\\0' a; echo done-$((3+4))\n");
  await h.eventually(
    async () => (await h.broker.services.recordings.bytes(sessionId, 'i')).toString(),
    (i) => i.includes('done-'),
    'the command to reach the shell',
  );
  const heldOut = (await h.broker.services.recordings.bytes(sessionId, 'o')).length;
  assert.ok(heldOut < 1_000_000, `only what was read before the hold: ${heldOut}`);
  assert.doesNotMatch(term.output, /done-7/);
  term.control({ type: 'resume' });
  await term.waitForOutput('done-7');
  assert.ok((await h.broker.services.recordings.bytes(sessionId, 'o')).length > 3_000_000);
});

test('a watcher on another broker replica sees the recent screen, then the live session, then its end', async (t) => {
  const a = await startHarness(t);
  // Replicas share the SSH CA key and the evidence signing key (a replica with another one refuses to start).
  const b = await startHarness(t, {
    DATABASE_URL: a.broker.databaseUrl,
    BREAKGLASS_DEMO: '0',
    BREAKGLASS_SSH_CA_KEY_FILE: `${a.dataDir}/ssh/ca`,
    BREAKGLASS_SIGNING_KEY_FILE: `${a.dataDir}/evidence/signing-key`,
  });
  const sessionId = await a.openSession(await a.grant('staging-web-1', 15, 'alice', ['bob']));
  const term = await a.attach(sessionId);
  term.send('echo before-$((1+1))\n');
  await term.waitForOutput('before-2');
  assert.equal((await b.api('alice', 'GET', `/api/sessions/${sessionId}`)).body.live, true);
  const watcher = await b.attach(sessionId, 'carol');
  await watcher.waitForOutput('before-2');
  term.send('echo during-$((2+1))\n');
  await watcher.waitForOutput('during-3');
  term.send('exit\n');
  assert.equal(await watcher.waitForExit(), 'exit');
});
