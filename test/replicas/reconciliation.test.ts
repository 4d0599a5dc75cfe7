// A revoke cannot be lost: replicas reconcile the sessions they hold with the
// database on every lease tick and after every LISTEN reconnect, so a kill
// notified while LISTEN was down still ends the shell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asSuperuser } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';
import { assertOneAgreedEnd } from './agreement.js';
import { markShell, onEitherReplica, running, startReplicas } from './replicas.js';

test("a revoke sent while the owner's LISTEN connection is down kills the shell", async (t) => {
  const { a, b, databaseUrl } = await startReplicas(t);
  await onEitherReplica(databaseUrl, 'staging-web-1');
  const { requestId } = await a.grant('staging-web-1');
  const sessionId = await b.open(requestId);
  const term = await b.attach(sessionId);
  const shell = await markShell(term);

  // Keep every LISTEN connection of this database down until the shell is gone:
  // the revoke's notification reaches nobody.
  const dbName = new URL(databaseUrl).pathname.slice(1);
  let exited = false;
  const terminator = asSuperuser(databaseUrl, async (c) => {
    let killed = 0;
    while (!exited) {
      const r = await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'breakglass-change-feed' AND datname = $1`, [
        dbName,
      ]);
      killed += r.rowCount ?? 0;
      await new Promise((r) => setTimeout(r, 10));
    }
    return killed;
  });
  const waitForListenDown = async () => {
    for (;;) {
      const n = await asSuperuser(databaseUrl, (c) =>
        c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'breakglass-change-feed' AND datname = $1`, [dbName]),
      );
      if (n.rows[0].n === 0) return;
    }
  };
  await waitForListenDown();
  const revoked = await a.api('bob', 'POST', `/api/requests/${requestId}/revoke`, {});
  assert.equal(revoked.status, 200);
  const told = await term.waitForExit();
  exited = true;
  assert.ok((await terminator) > 0, 'LISTEN connections were terminated');
  assert.equal(told, 'revoked');
  assert.equal(running(shell), false);
  await assertOneAgreedEnd(a, sessionId, told);
});

test('revoking again a grant whose shell still runs kills it instead of answering 409', async (t) => {
  // A long heartbeat: no lease tick reconciles during this test, only the second revoke acts.
  const h = await startHarness(t, { BREAKGLASS_HEARTBEAT_SECONDS: '20' });
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  term.send('echo up-$((1+1))\n');
  await term.waitForOutput('up-2');
  // The first revoke's kill was lost: the grant says revoked, the shell runs.
  await asSuperuser(h.broker.databaseUrl, (c) => c.query(`UPDATE access_requests SET status = 'revoked', closed_at = now() WHERE id = $1`, [requestId]));
  const again = await h.api('bob', 'POST', `/api/requests/${requestId}/revoke`, {});
  assert.equal(again.status, 200);
  assert.equal(again.body.status, 'revoked');
  assert.equal(await term.waitForExit(), 'revoked');
  const session = await h.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
  assert.equal(session.endReason, 'revoked');
  const third = await h.api('bob', 'POST', `/api/requests/${requestId}/revoke`, {});
  assert.equal(third.status, 409, 'with no shell left, a revoked grant cannot be revoked again');
  assert.equal(third.body.error.code, 'wrong_state');
});
