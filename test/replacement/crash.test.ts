import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { startHarness } from '../helpers/harness.js';
import { TerminalClient } from '../helpers/terminal-client.js';

async function call(url: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

test('a killed broker leaves its session interrupted and the host replaced after restart', async (t) => {
  const env = { BREAKGLASS_BROKER_ID: 'crash-test-broker', BREAKGLASS_TOKEN_SECRET: 'crash-test-secret-crash-test-secret-0123' };
  const first = await startBroker({ env });
  t.after(() => first.stop());
  const login = async (url: string, username: string) => (await call(url, undefined, 'POST', '/api/auth/login', { username, password: 'demo' })).body.token as string;
  const alice = await login(first.url, 'alice');
  const bob = await login(first.url, 'bob');
  const hosts = (await call(first.url, alice, 'GET', '/api/hosts')).body as { id: string; name: string }[];
  const hostId = hosts.find((x) => x.name === 'staging-web-1')!.id;
  const request = (await call(first.url, alice, 'POST', '/api/requests', { hostId, reason: 'crash', durationMinutes: 30 })).body;
  await call(first.url, bob, 'POST', `/api/requests/${request.id}/approve`, {});
  const session = (await call(first.url, alice, 'POST', `/api/requests/${request.id}/sessions`, {})).body;
  const term = await TerminalClient.connect(`${first.url.replace(/^http/, 'ws')}/api/sessions/${session.id}/terminal`, { authorization: `Bearer ${alice}` });
  term.send('echo alive-$((20+1))\n');
  await term.waitForOutput('alive-21');

  await first.kill();
  await term.closed;

  const second = await startBroker({ env: { ...env, DATABASE_URL: first.databaseUrl, BREAKGLASS_DATA_DIR: first.dataDir } });
  t.after(() => second.stop());
  const dave = await login(second.url, 'dave');
  const ended = (await call(second.url, dave, 'GET', `/api/sessions/${session.id}`)).body;
  assert.equal(ended.endReason, 'interrupted');
  assert.ok(ended.bytesOut > 0, 'bytes recorded before the crash are counted');
  const cast = await (await fetch(`${second.url}/api/sessions/${session.id}/recording`, { headers: { authorization: `Bearer ${dave}` } })).text();
  assert.match(cast, /alive-21/);
  let replacements: { status: string; sessionId: string }[] = [];
  for (let i = 0; i < 400 && replacements[0]?.status !== 'succeeded'; i++) {
    replacements = (await call(second.url, dave, 'GET', `/api/replacements?hostId=${hostId}`)).body;
    if (replacements[0]?.status !== 'succeeded') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(replacements[0]?.status, 'succeeded');
  assert.equal(replacements[0]?.sessionId, session.id);
  const types = ((await call(second.url, dave, 'GET', '/api/audit?limit=1000')).body as { type: string; subjectId: string }[])
    .filter((e) => e.subjectId === session.id).map((e) => e.type);
  assert.deepEqual(types, ['session.started', 'session.ended']);
});

test('sessions of a replica that stopped beating are ended by the others and their hosts replaced', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_BROKER_DEAD_AFTER_SECONDS: '5' });
  const requestId = await h.grant('staging-web-2', 15, 'alice', ['bob']);
  const request = await h.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
  const ghost = await h.prisma.session.create({ data: { requestId, hostId: request.hostId, userId: request.requesterId, brokerId: 'replica-that-died', cols: 80, rows: 24 } });
  await h.prisma.broker.create({ data: { id: 'replica-that-died', startedAt: new Date(Date.now() - 3600_000), heartbeatAt: new Date(Date.now() - 3600_000) } });
  const alive = await h.prisma.session.create({ data: { requestId, hostId: request.hostId, userId: request.requesterId, brokerId: 'replica-still-beating', cols: 80, rows: 24 } });
  await h.prisma.broker.create({ data: { id: 'replica-still-beating', startedAt: new Date(), heartbeatAt: new Date() } });
  await h.broker.liveness.tick();
  const ended = await h.prisma.session.findUniqueOrThrow({ where: { id: ghost.id } });
  assert.equal(ended.endReason, 'interrupted');
  assert.equal((await h.prisma.session.findUniqueOrThrow({ where: { id: alive.id } })).endedAt, null);
  const pending = await h.prisma.replacement.findFirstOrThrow({ where: { hostId: request.hostId } });
  assert.equal(pending.sessionId, ghost.id);
  assert.equal(await h.prisma.broker.count({ where: { id: h.broker.config.brokerId } }), 1, 'this broker beats too');
});
