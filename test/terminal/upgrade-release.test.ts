// An open terminal keeps nothing of the HTTP request that opened it: @fastify/websocket
// would keep the request and its reply for the socket's life, about 6 KB a session
// (src/terminal/release-upgrade.ts; README, "The recorded path under load, fifth pass").
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { eventually } from '../helpers/api-client.js';
import { startHarness } from '../helpers/harness.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

test('an open terminal keeps nothing of the request that opened it, still works, and its close is logged', async (t) => {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const h = await startHarness(t, {}, { logStream });
  const upgrades: WeakRef<object>[] = [];
  h.app!.server.prependListener('upgrade', (req: object) => upgrades.push(new WeakRef(req)));

  const { term } = await h.shell('staging-web-1', { approvers: ['bob'] });
  term.send('echo up-$((40+2))\n');
  await term.waitForOutput('up-42');
  assert.equal(upgrades.length, 1);
  // @fastify/jwt verifies through a pool of reusable holders (steed's waterfall) that keeps the last few
  // requests it checked until they are reused: a fixed cost, not one per session. Requests after the
  // upgrade take those places.
  for (let i = 0; i < 10; i++) assert.equal((await h.api('alice', 'GET', '/api/me')).status, 200);
  // Collected once nothing holds it: a few turns of the event loop, each with a full collection.
  for (let turn = 0; turn < 20 && upgrades[0]!.deref() !== undefined; turn++) {
    await new Promise(setImmediate);
    gc();
  }
  assert.equal(upgrades[0]!.deref(), undefined, 'the open terminal still holds the request that opened it');

  term.send('echo still-$((6*7))\n');
  await term.waitForOutput('still-42');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  type Line = { msg: string; reqId?: string; req?: { url?: string }; code?: number; durationMs?: number };
  const parsed = () => lines.map((l) => JSON.parse(l) as Line);
  const closed = await eventually(
    () => parsed().find((l) => l.msg === 'terminal socket closed'),
    (l) => l !== undefined,
    'the close of the terminal socket in the log',
  );
  assert.equal(closed!.code, 1000);
  assert.ok(Number.isInteger(closed!.durationMs));
  // Under the id of the request that opened it, as fastify's own lines of that request are.
  const opening = parsed().find((l) => l.reqId === closed!.reqId && l.req?.url?.includes('/terminal'));
  assert.ok(opening, `no request ${closed!.reqId} for the terminal in the log`);
});
