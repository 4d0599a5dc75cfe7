import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('a shell session runs, records both directions and ends with exit', async (t) => {
  const h = await startHarness(t);
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  term.send('echo hello-$((6*7))\n');
  await term.waitForOutput('hello-42');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  const session = await h.api('dave', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.endReason, 'exit');
  const out = await h.broker.services.recordings.bytes(sessionId, 'o');
  assert.equal(out.toString(), term.output);
});

test('a demo shell never runs as root, even when the broker does', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-2', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('echo "uid=$(id -u) pwd=$PWD"; exit\n');
  await term.waitForExit();
  const [, uid, pwd] = /uid=(\d+) pwd=(\S+)/.exec(term.output)!;
  if (process.getuid?.() === 0) assert.notEqual(uid, '0');
  else assert.equal(uid, String(process.getuid?.()));
  assert.match(pwd!, /hosts\/staging-web-2$/);
});
