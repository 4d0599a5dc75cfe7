// Issue 14, server side: watchers are told the session's size and who is
// watching is told to the requester; a re-attach repaints from recent output;
// a request is withdrawn only by its requester while pending; the drift ledger
// counts the session that tainted the host; search finds recorded lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('a watcher is told the session size and its resizes, and the requester who is watching', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1'), 'alice', { cols: 169, rows: 52 });
  const alice = await h.attach(sessionId);
  const bob = await h.attach(sessionId, 'bob');
  await bob.until((c) => c.messages.some((m) => m.type === 'size'), 'size');
  assert.deepEqual(
    bob.messages.find((m) => m.type === 'size'),
    { type: 'size', cols: 169, rows: 52 },
  );
  await alice.until((c) => c.messages.some((m) => m.type === 'watchers' && m.users.join() === 'bob'), 'watchers: bob');
  alice.control({ type: 'resize', cols: 100, rows: 30 });
  await bob.until((c) => c.messages.some((m) => m.type === 'size' && m.cols === 100 && m.rows === 30), 'the resize');
  bob.ws.close();
  await alice.until((c) => c.messages.some((m) => m.type === 'watchers' && m.users.length === 0), 'watchers: nobody');
  alice.ws.close();
});

test('a requester attaching again gets the recent output first, and the first notice names the replacement', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1'));
  const first = await h.attach(sessionId);
  first.send('echo repaint-$((6*7))\n');
  await first.waitForOutput('repaint-42');
  assert.match(first.notices[0]!, /When the session ends, staging-web-1 is replaced \(instance 1 → 2\)\./);
  first.ws.close();
  await first.closed;
  const again = await h.attach(sessionId);
  await again.waitForOutput('repaint-42');
  assert.ok(again.frames.length > 0 && again.frames[0]!.toString().includes('repaint-42'), 'the first frame repaints');
  again.ws.close();
});

test('only the requester withdraws a request, only while pending, and it is audited', async (t) => {
  const h = await startHarness(t);
  const created = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'oops', durationMinutes: 15 });
  const id = created.body.id as string;
  assert.equal((await h.api('bob', 'POST', `/api/requests/${id}/withdraw`, {})).status, 403);
  assert.equal((await h.api('alice', 'POST', `/api/requests/not-a-uuid/withdraw`, {})).status, 400);
  assert.equal((await h.api('alice', 'GET', `/api/requests/${id}`)).body.status, 'pending');
  const done = await h.api('alice', 'POST', `/api/requests/${id}/withdraw`, {});
  assert.equal(done.status, 200);
  assert.equal(done.body.status, 'withdrawn');
  const again = await h.api('alice', 'POST', `/api/requests/${id}/withdraw`, {});
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'wrong_state');
  const audit = await h.api('dave', 'GET', `/api/audit?type=request.withdrawn&subjectId=${id}`);
  assert.equal(audit.body.length, 1);
  assert.equal(audit.body[0].actor, 'alice');
});

test('the drift ledger lists the open session that tainted the host, not an earlier replacement', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1'));
  const drift = await h.api('admin', 'GET', '/api/drift');
  const entry = drift.body.find((d: { host: { name: string } }) => d.host.name === 'staging-web-1');
  assert.deepEqual(
    entry.sessions.map((s: { id: string }) => s.id),
    [sessionId],
  );
  assert.equal(entry.replacement, null);
});

test('search finds typed and printed lines of committed recordings, for those who may read them', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1'));
  const alice = await h.attach(sessionId);
  alice.send('echo needle-$((40+2))-found\n');
  await alice.waitForOutput('needle-42-found');
  const found = await h.eventually(
    () => h.api('dave', 'GET', '/api/search/recordings?q=needle-42'),
    (r) => r.body.length >= 1,
    'the output line indexed',
  );
  assert.equal(found.body[0].sessionId, sessionId);
  assert.equal(found.body[0].kind, 'o');
  const typed = await h.eventually(
    () => h.api('dave', 'GET', `/api/search/recordings?q=${encodeURIComponent('$((40+2))')}&kind=i`),
    (r) => r.body.length === 1,
    'the typed line indexed',
  );
  assert.equal(typed.body[0].line, 'echo needle-$((40+2))-found');
  assert.equal((await h.api('alice', 'GET', '/api/search/recordings?q=needle')).status, 403);
  assert.equal((await h.api('dave', 'GET', '/api/search/recordings?q=ne')).status, 400);
  assert.deepEqual((await h.api('dave', 'GET', '/api/search/recordings?q=%25%25%25')).body, []);
  alice.ws.close();
});
