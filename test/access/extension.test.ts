import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { TerminalClient } from '../helpers/terminal-client.js';

// One policy minute lasts 2 s: a 5-minute grant ends 10 s after approval. Both replicas
// share the data dir, as replicas of the demo's local hosts must.
const ENV = { BREAKGLASS_MINUTE_MS: '2000', BREAKGLASS_WARN_BEFORE_END_MINUTES: '1' };

/** Replica A in this process (the harness), replica B a second broker process on the same Postgres. */
async function twoReplicas(t: TestContext) {
  const a = await startHarness(t, ENV);
  const b = await startBroker({
    env: {
      ...ENV,
      DATABASE_URL: a.broker.databaseUrl,
      BREAKGLASS_DATA_DIR: a.dataDir,
      BREAKGLASS_TOKEN_SECRET: 'test-secret-test-secret-test-secret-42',
      BREAKGLASS_BROKER_ID: 'replica-b',
    },
  });
  t.after(() => b.stop());
  return { a, b };
}

/** The grant's session opened and attached on replica B, whose pty and timers hold it. */
async function sessionOnB(a: Harness, bUrl: string, requestId: string) {
  const headers = { authorization: `Bearer ${await a.token('alice')}`, 'content-type': 'application/json' };
  const res = await fetch(`${bUrl}/api/requests/${requestId}/sessions`, { method: 'POST', headers, body: '{}' });
  const body = (await res.json()) as { id: string };
  assert.equal(res.status, 201, JSON.stringify(body));
  const { id } = body;
  const term = await TerminalClient.connect(`${bUrl.replace(/^http/, 'ws')}/api/sessions/${id}/terminal`, { authorization: headers.authorization });
  return { sessionId: id, term };
}

test('an extension approved on one replica moves the time box of a session held by another; the terminal and every watcher are told the new end', async (t) => {
  const { a, b } = await twoReplicas(t);
  const requestId = await a.grant('staging-web-1', 5, 'alice', ['bob']);
  const planned = (await a.api('alice', 'GET', `/api/requests/${requestId}`)).body.expiresAt as string;
  const { sessionId, term } = await sessionOnB(a, b.url, requestId);
  t.after(() => term.ws.terminate());
  term.send('echo on-b\n');
  await term.waitForOutput('on-b');
  // An approver watches read-only on each replica (fed from the recording there).
  const bob = { authorization: `Bearer ${await a.token('bob')}` };
  const watchers = await Promise.all(
    [a.url, b.url].map((url) => TerminalClient.connect(`${url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/terminal`, bob)),
  );
  for (const w of watchers) t.after(() => w.ws.terminate());

  const asked = await a.api('alice', 'POST', `/api/requests/${requestId}/extensions`, { minutes: 3, reason: 'migration still running' });
  assert.equal(asked.status, 201);
  const extension = asked.body.extensions[0];
  assert.equal(extension.status, 'pending');
  assert.equal(asked.body.expiresAt, planned, 'asking alone moves nothing');
  await term.until((c) => c.notices.some((n) => n.includes('Extension of 3 minute(s) requested')), 'the request notice');

  const approved = await a.api('bob', 'POST', `/api/requests/${requestId}/extensions/${extension.id}/approve`, { comment: 'ok' });
  assert.equal(approved.status, 200);
  assert.equal(approved.body.extensions[0].status, 'approved');
  assert.equal(approved.body.extendedMinutes, 3);
  const extended = approved.body.expiresAt as string;
  assert.equal(Date.parse(extended) - Date.parse(planned), 3 * 2000);
  await term.until((c) => c.notices.some((n) => n.includes('Extension approved')), 'the approval notice');
  for (const [who, c] of [
    ['the requester', term],
    ['the watcher on A', watchers[0]!],
    ['the watcher on B', watchers[1]!],
  ] as const) {
    await c.until((x) => x.messages.some((m) => m.type === 'expires' && m.expiresAt === extended), `${who} told the new end`);
    await c.until((x) => x.notices.some((n) => n.includes('Extension approved')), `${who} shown the approval`);
    const notice = c.messages.find((m) => m.type === 'notice' && m.message.includes('Extension approved'));
    assert.equal(notice?.type === 'notice' && notice.expiresAt, extended, `${who}: the approval notice carries the new end`);
  }

  assert.equal(await term.waitForExit(), 'expired');
  for (const w of watchers) assert.equal(await w.waitForExit(), 'expired');
  const session = await a.api('alice', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.endReason, 'expired');
  assert.ok(Date.parse(session.body.endedAt) >= Date.parse(extended), 'the session lived to the extended end, not the planned one');
  const marks = (await a.broker.services.recordings.bytes(sessionId, 'm')).toString();
  assert.match(marks, /Extension approved: access now ends at/);
  assert.match(marks, /Access ends in 1 minute/, 'the warning moved with the end');
  await a.eventually(
    () => a.api('bob', 'GET', `/api/requests/${requestId}`),
    (r) => r.body.status === 'closed',
    'grant closed at the new end',
  );
  const types = (await a.prisma.auditEvent.findMany({ where: { subjectId: requestId }, orderBy: { id: 'asc' } })).map((e) => e.type);
  assert.deepEqual(
    types.filter((x) => x.startsWith('extension.')),
    ['extension.requested', 'extension.approval', 'extension.approved'],
  );
});

test('a denied extension leaves the grant to end as planned, on the replica that holds the session', async (t) => {
  const { a, b } = await twoReplicas(t);
  const requestId = await a.grant('staging-web-2', 5, 'alice', ['bob']);
  const planned = (await a.api('alice', 'GET', `/api/requests/${requestId}`)).body.expiresAt as string;
  const { sessionId, term } = await sessionOnB(a, b.url, requestId);
  t.after(() => term.ws.terminate());
  const asked = await a.api('alice', 'POST', `/api/requests/${requestId}/extensions`, { minutes: 2, reason: 'more' });
  assert.equal(asked.status, 201);
  const denied = await a.api('carol', 'POST', `/api/requests/${requestId}/extensions/${asked.body.extensions[0].id}/deny`, { comment: 'finish tomorrow' });
  assert.equal(denied.status, 200);
  assert.equal(denied.body.extensions[0].status, 'denied');
  assert.equal(denied.body.expiresAt, planned);
  await term.until((c) => c.notices.some((n) => n.includes('Extension denied')), 'the denial notice');
  assert.equal(await term.waitForExit(), 'expired');
  const session = await a.api('alice', 'GET', `/api/sessions/${sessionId}`);
  assert.ok(Date.parse(session.body.endedAt) >= Date.parse(planned));
  const approveLate = await a.api('bob', 'POST', `/api/requests/${requestId}/extensions/${asked.body.extensions[0].id}/approve`, {});
  assert.equal(approveLate.status, 409);
});

test('an unanswered extension expires with the grant; asking is bounded by the policy and by who asks', async (t) => {
  const h = await startHarness(t, ENV);
  const requestId = await h.grant('staging-db-1', 3, 'alice', ['bob']);
  const ask = (user: string, body: unknown) => h.api(user, 'POST', `/api/requests/${requestId}/extensions`, body);
  assert.equal((await ask('alice', { minutes: 238, reason: 'x' })).status, 400, 'past the policy maximum of 240 minutes in all');
  assert.equal((await ask('alice', { minutes: 0, reason: 'x' })).status, 400);
  assert.equal((await ask('alice', { minutes: 2, reason: 'x', extra: 1 })).status, 400);
  assert.equal((await ask('bob', { minutes: 2, reason: 'x' })).status, 403, 'only the requester asks');
  const first = await ask('alice', { minutes: 2, reason: 'x' });
  assert.equal(first.status, 201);
  const again = await ask('alice', { minutes: 2, reason: 'y' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'extension_pending');
  const dave = await h.api('dave', 'POST', `/api/requests/${requestId}/extensions/${first.body.extensions[0].id}/approve`, {});
  assert.equal(dave.status, 403);
  // The policy is tightened after the ask: 3 + 2 minutes are now past its maximum, so no approval moves the end.
  assert.equal((await h.api('admin', 'PUT', '/api/policies/staging', { approvalsRequired: 1, minDurationMinutes: 1, maxDurationMinutes: 4 })).status, 200);
  const tightened = await h.api('bob', 'POST', `/api/requests/${requestId}/extensions/${first.body.extensions[0].id}/approve`, {});
  assert.equal(tightened.status, 409);
  assert.equal(tightened.body.error.code, 'exceeds_policy');
  assert.deepEqual((await h.api('alice', 'GET', `/api/requests/${requestId}`)).body.extensions[0].decisions, [], 'the refused approval is not kept');
  await h.eventually(
    () => h.api('alice', 'GET', `/api/requests/${requestId}`),
    (r) => r.body.status === 'closed',
    'the grant ends as planned',
  );
  const after = await h.api('alice', 'GET', `/api/requests/${requestId}`);
  assert.equal(after.body.extensions[0].status, 'expired');
  assert.equal(after.body.extendedMinutes, 0);
  assert.equal((await ask('alice', { minutes: 1, reason: 'late' })).status, 409);
});

test('nobody approves their own extension', async (t) => {
  const h = await startHarness(t, ENV);
  const requestId = await h.grant('staging-web-1', 30, 'erin', ['bob']);
  const asked = await h.api('erin', 'POST', `/api/requests/${requestId}/extensions`, { minutes: 5, reason: 'x' });
  const self = await h.api('erin', 'POST', `/api/requests/${requestId}/extensions/${asked.body.extensions[0].id}/approve`, {});
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, 'separation_of_duties');
});
