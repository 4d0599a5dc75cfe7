// Split brain: a replica that cannot renew its lease (frozen, or Postgres away)
// has killed its shells before any other replica may end its sessions and
// replace its hosts; the session ends once, with one reason everybody agrees on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneAgreedEnd } from './agreement.js';
import { eventually, markShell, onEitherReplica, ownPostgres, running, startReplicas } from './replicas.js';

test('a replica frozen past its lease has no live shell when the other replaces its host, and runs none after it wakes', async (t) => {
  const { a, b, databaseUrl } = await startReplicas(t);
  await onEitherReplica(databaseUrl, 'staging-web-1', 'staging-web-2');
  const { requestId, hostId } = await a.grant('staging-web-1');
  const sessionId = await b.open(requestId);
  const term = await b.attach(sessionId);
  const shell = await markShell(term);
  term.send('while true; do echo still-here; sleep 0.1; done\n');
  await term.waitForOutput('still-here');

  process.kill(b.pid, 'SIGSTOP');
  let frozen = true;
  t.after(() => {
    if (frozen) process.kill(b.pid, 'SIGCONT');
  });
  const replaced = await eventually(
    async () => ((await a.api('dave', 'GET', `/api/replacements?hostId=${hostId}`)).body as { status: string; sessionId: string }[])[0],
    (r) => r?.status === 'succeeded',
    "the other replica to replace the frozen replica's host",
  );
  assert.equal(replaced!.sessionId, sessionId);
  assert.equal(running(shell), false, "the frozen replica's shell was killed before its host was replaced");
  assert.equal((await a.api('dave', 'GET', `/api/sessions/${sessionId}`)).body.endReason, 'interrupted');

  process.kill(b.pid, 'SIGCONT');
  frozen = false;
  const told = await term.waitForExit();
  await eventually(
    () => running(shell),
    (r) => !r,
    'the shell to be gone from the process table',
  );
  await assertOneAgreedEnd(a, sessionId, told);
  // The woken replica serves again, with a lease of its own.
  const again = await a.grant('staging-web-2');
  const next = await b.attach(await b.open(again.requestId));
  next.send('echo back-$((40+2))\n');
  await next.waitForOutput('back-42');
  next.ws.close();
});

test('a Postgres restart of 12 s ends the sessions of both replicas exactly once, each with one agreed reason', async (t) => {
  const pg = await ownPostgres();
  const { a, b } = await startReplicas(t, { databaseUrl: pg.url }).catch(async (err) => {
    await pg.close();
    throw err;
  });
  t.after(pg.close);
  await onEitherReplica(pg.url, 'staging-web-2');
  const sessions = [];
  for (const [replica, host] of [
    [a, 'staging-web-1'],
    [b, 'staging-web-2'],
  ] as const) {
    const { requestId } = await a.grant(host);
    const id = await replica.open(requestId);
    const term = await replica.attach(id);
    sessions.push({ replica, id, term, shell: await markShell(term) });
  }

  const stoppedAt = Date.now();
  await pg.stop();
  for (const s of sessions)
    await eventually(
      () => running(s.shell),
      (r) => !r,
      'each replica to kill its shell when it cannot renew its lease',
    );
  // The scenario: an outage of 12 s, twice the lease, so that both leases lapse.
  await new Promise((r) => setTimeout(r, Math.max(0, 12_000 - (Date.now() - stoppedAt))));
  await pg.start();

  for (const s of sessions) {
    const told = await s.term.waitForExit();
    const reason = await eventually(
      () => s.replica.api('dave', 'GET', `/api/sessions/${s.id}`).then((r) => r.body.endReason),
      (r) => r !== null,
      'the durable end',
    );
    assert.ok(['interrupted', 'recording_failed'].includes(reason), `a session cut by the outage ends as interrupted or recording_failed, not ${reason}`);
    await assertOneAgreedEnd(a, s.id, told);
  }
});
