// Any replica serves any user: the requester's terminal websocket may reach
// either replica (a load balancer with no affinity); the one without the pty
// forwards it over an authenticated hop to the one with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicaHop } from '../../src/terminal/replica-hop.js';
import { TerminalClient } from '../helpers/terminal-client.js';
import { assertOneAgreedEnd } from './agreement.js';
import { onEitherReplica, SECRET, startReplicas } from './replicas.js';

test("a requester's websocket through the other replica carries input, output, resize and revoke", async (t) => {
  const { a, b, databaseUrl } = await startReplicas(t);
  await onEitherReplica(databaseUrl, 'staging-web-1', 'staging-web-2');
  const { requestId } = await a.grant('staging-web-1');
  const sessionId = await b.open(requestId);
  const term = await a.attach(sessionId);
  await term.until((c) => c.notices.some((n) => n.startsWith('Connected to staging-web-1')), "the owner's greeting");
  term.send('echo through-$((6*7))\n');
  await term.waitForOutput('through-42');
  term.control({ type: 'resize', cols: 101, rows: 33 });
  term.send('stty size\n');
  await term.waitForOutput('33 101');

  const revoked = await a.api('bob', 'POST', `/api/requests/${requestId}/revoke`, {});
  assert.equal(revoked.status, 200);
  const told = await term.waitForExit();
  assert.equal(told, 'revoked');
  await assertOneAgreedEnd(b, sessionId, told);
  const cast = await (await fetch(`${b.url}/api/sessions/${sessionId}/recording`, { headers: { authorization: `Bearer ${await b.token('dave')}` } })).text();
  assert.match(cast, /"r","101x33"/, 'the resize sent through the other replica is recorded');
});

test('the replica hop refuses a missing, forged, misdirected or foreign-session token', async (t) => {
  const { a, b, databaseUrl } = await startReplicas(t);
  await onEitherReplica(databaseUrl, 'staging-web-1', 'staging-web-2');
  const { requestId } = await a.grant('staging-web-1');
  const sessionId = await b.open(requestId);
  const alice = (await a.api('alice', 'GET', '/api/me')).body;
  const other = await b.open((await a.grant('staging-web-2')).requestId);
  const url = `${b.url.replace(/^http/, 'ws')}/internal/sessions/${sessionId}/terminal`;
  const forged = new ReplicaHop('another-secret-another-secret-another-0', 'replica-b');
  const honest = new ReplicaHop(SECRET, 'replica-a');
  const cases: [string, Record<string, string>][] = [
    ['no token', {}],
    ['a token signed with another secret', { 'x-breakglass-hop': forged.token({ subject: `session:${sessionId}`, userId: alice.id, brokerId: 'replica-b' }) }],
    ['a token meant for another replica', { 'x-breakglass-hop': honest.token({ subject: `session:${sessionId}`, userId: alice.id, brokerId: 'replica-a' }) }],
    ['a token for another session', { 'x-breakglass-hop': honest.token({ subject: `session:${other}`, userId: alice.id, brokerId: 'replica-b' }) }],
    ["a user's bearer token", { authorization: `Bearer ${await b.token('alice')}` }],
  ];
  for (const [what, headers] of cases) {
    await assert.rejects(TerminalClient.connect(url, headers), (err: { status?: number }) => err.status === 401, `${what} is refused`);
  }
  const right = await TerminalClient.connect(url, {
    'x-breakglass-hop': honest.token({ subject: `session:${sessionId}`, userId: alice.id, brokerId: 'replica-b' }),
  });
  right.send('echo hop-$((1+1))\n');
  await right.waitForOutput('hop-2');
  right.ws.close();
});
