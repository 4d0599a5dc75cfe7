import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test("the drift ledger shows a requester only their own sessions; approvers see everyone's", async (t) => {
  const h = await startHarness(t);
  const created = await h.api('admin', 'POST', '/api/users', { username: 'frank', password: 'a long enough password', roles: ['requester'] });
  assert.equal(created.status, 201);
  const frank = await h.token('frank', 'a long enough password');
  assert.ok(frank);

  const mine = await h.shell('staging-web-1', { approvers: ['bob'] });
  const theirs = await h.shell('staging-web-2', { requester: 'frank', approvers: ['bob'] });
  // Both sessions stay open: their hosts are in the ledger while in use (and until replaced).
  for (const s of [mine, theirs]) {
    s.term.send('echo in-use\n');
    await s.term.waitForOutput('in-use');
  }

  const sessionsOf = (ledger: { host: { name: string }; sessions: { id: string }[] }[], host: string) =>
    ledger.find((e) => e.host.name === host)?.sessions.map((s) => s.id) ?? [];
  const asBob = (await h.api('bob', 'GET', '/api/drift')).body;
  const asAlice = (await h.api('alice', 'GET', '/api/drift')).body;
  assert.deepEqual(sessionsOf(asBob, 'staging-web-2'), [theirs.sessionId], 'an approver sees who touched the host');
  assert.deepEqual(sessionsOf(asAlice, 'staging-web-1'), [mine.sessionId], 'a requester sees their own session');
  assert.deepEqual(sessionsOf(asAlice, 'staging-web-2'), [], "a requester does not see another requester's session");
  for (const s of [mine, theirs]) {
    s.term.send('exit\n');
    await s.term.waitForExit();
  }
});
