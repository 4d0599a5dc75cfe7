import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { startHarness } from '../helpers/harness.js';

// Another replica's hop (a rebuild it waits for, say) may be in flight when a broker
// shuts down. Its keep-alive connection must end with that response, or close() waits
// until the peer drops it (Fastify's 72 s keep-alive timeout): one broker's shutdown
// would hang on another.
test('a response still in flight when a broker closes ends its keep-alive connection, so close() does not wait on the peer', async (t) => {
  const h = await startHarness(t);
  // A second listener on the same broker: this one is closed by the test, the harness's after it.
  const app = await buildApp(h.broker, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const erin = await h.prisma.user.findUniqueOrThrow({ where: { username: 'erin' } });
  const token = await h.token('admin');

  // The test holds erin's row, so disabling her is in flight until it lets go.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = h.prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${erin.id}::uuid FOR UPDATE`;
      locked();
      await held;
    },
    { timeout: 60_000 },
  );
  t.after(() => release());
  await isLocked;

  const answer = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: `/api/users/${erin.id}/disable`, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      },
    );
    req.on('error', reject);
    req.end();
  });
  await h.eventually(
    () => h.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
    (rows) => rows[0]!.n > 0,
    'the disable waiting on the held row',
  );

  const closed = app.close();
  await h.eventually(
    async () => app.server.listening,
    (listening) => !listening,
    'the listener closed',
  );
  release();
  await holder;
  const res = await answer;
  assert.equal(res.statusCode, 200, 'the request in flight is answered');
  assert.equal(res.headers.connection, 'close', 'and its keep-alive connection ends with it');
  await closed;
});
