import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { startHarness } from '../helpers/harness.js';
import { ApiClient } from '../helpers/api-client.js';

test('a killed broker leaves its session interrupted and the host replaced after restart', async (t) => {
  const env = { BREAKGLASS_BROKER_ID: 'crash-test-broker', BREAKGLASS_TOKEN_SECRET: 'crash-test-secret-crash-test-secret-0123' };
  const first = await startBroker({ env });
  t.after(() => first.stop());
  const api = new ApiClient(first.url);
  const { sessionId, term } = await api.shell('staging-web-1', { minutes: 30, approvers: ['bob'] });
  const hostId = await api.hostId('staging-web-1');
  term.send('echo alive-$((20+1))\n');
  await term.waitForOutput('alive-21');

  await first.kill();
  await term.closed;

  const second = await startBroker({ env: { ...env, DATABASE_URL: first.databaseUrl, BREAKGLASS_DATA_DIR: first.dataDir } });
  t.after(() => second.stop());
  const after = new ApiClient(second.url);
  const ended = await after.ok('dave', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(ended.endReason, 'interrupted');
  assert.ok(ended.bytesOut > 0, 'bytes recorded before the crash are counted');
  const cast = await (
    await fetch(`${second.url}/api/sessions/${sessionId}/recording`, { headers: { authorization: `Bearer ${await after.token('dave')}` } })
  ).text();
  assert.match(cast, /alive-21/);
  const replacements = await after.eventually(
    () => after.ok<{ status: string; sessionId: string }[]>('dave', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r[0]?.status === 'succeeded',
    "the replacement of the crashed session's host",
    60_000,
  );
  assert.equal(replacements[0]?.status, 'succeeded');
  assert.equal(replacements[0]?.sessionId, sessionId);
  const types = (await after.ok<{ type: string; subjectId: string }[]>('dave', 'GET', '/api/audit?limit=1000'))
    .filter((e) => e.subjectId === sessionId)
    .map((e) => e.type);
  assert.deepEqual(types, ['session.started', 'session.ended']);
});

test('sessions of a replica that stopped beating are ended by the others and their hosts replaced', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_BROKER_DEAD_AFTER_SECONDS: '5' });
  const requestId = await h.grant('staging-web-2', 15, 'alice', ['bob']);
  const request = await h.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
  const ghost = await h.prisma.session.create({
    data: { requestId, hostId: request.hostId, userId: request.requesterId, brokerId: 'replica-that-died', cols: 80, rows: 24 },
  });
  await h.prisma.broker.create({ data: { id: 'replica-that-died', startedAt: new Date(Date.now() - 3600_000), heartbeatAt: new Date(Date.now() - 3600_000) } });
  const alive = await h.prisma.session.create({
    data: { requestId, hostId: request.hostId, userId: request.requesterId, brokerId: 'replica-still-beating', cols: 80, rows: 24 },
  });
  await h.prisma.broker.create({ data: { id: 'replica-still-beating', startedAt: new Date(), heartbeatAt: new Date() } });
  await h.broker.liveness.tick();
  const ended = await h.prisma.session.findUniqueOrThrow({ where: { id: ghost.id } });
  assert.equal(ended.endReason, 'interrupted');
  assert.equal((await h.prisma.session.findUniqueOrThrow({ where: { id: alive.id } })).endedAt, null);
  const pending = await h.prisma.replacement.findFirstOrThrow({ where: { hostId: request.hostId } });
  assert.equal(pending.sessionId, ghost.id);
  assert.equal(await h.prisma.broker.count({ where: { id: h.broker.config.brokerId } }), 1, 'this broker beats too');
});
