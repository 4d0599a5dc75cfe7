import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { FeedMessage } from '../../src/events/change-feed.js';
import { hostDirectory } from '../../src/hosts/local-hosts.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfDdbkqR7Zc1dkS3y3vGkO0h8o4Zb1tS0hYp2Bq4o9M test';

async function image(h: Harness, name = 'web-next', source = 'images/web-base-2026.11.1') {
  const res = await h.api('admin', 'POST', '/api/images', { name, version: '2026.12.0', source });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; name: string };
}

test('admins create images and hosts, update and retire them; every change is audited and published', async (t) => {
  const h = await startHarness(t);
  const changes: string[] = [];
  h.broker.feed.on('message', (m: FeedMessage) => {
    if (m.type === 'change' && m.kind === 'host') changes.push(m.id);
  });

  const img = await image(h);
  const images = await h.api('admin', 'GET', '/api/images');
  assert.ok(images.body.some((i: { name: string; hosts: number }) => i.name === 'web-next' && i.hosts === 0));

  const created = await h.api('admin', 'POST', '/api/hosts', { name: 'staging-web-9', environment: 'staging', imageId: img.id, connector: 'local' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  assert.equal(created.body.image.id, img.id, 'the host records the image it runs');
  assert.equal(created.body.state, 'healthy');
  assert.match(readFileSync(`${hostDirectory(h.dataDir, 'staging-web-9')}/.instance`, 'utf8'), /instance 1 from web-next:2026.12.0/);
  assert.ok((await h.api('alice', 'GET', '/api/hosts')).body.some((x: { id: string }) => x.id === id));

  const patched = await h.api('admin', 'PATCH', `/api/hosts/${id}`, { environment: 'production' });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.environment, 'production');
  assert.deepEqual((await h.api('admin', 'GET', `/api/hosts/${id}/settings`)).body.connectorConfig, {});

  const retired = await h.api('admin', 'DELETE', `/api/hosts/${id}`);
  assert.equal(retired.status, 200);
  assert.ok(retired.body.retiredAt);
  assert.ok(!(await h.api('alice', 'GET', '/api/hosts')).body.some((x: { id: string }) => x.id === id), 'retired hosts are not listed');
  assert.equal((await h.api('admin', 'DELETE', `/api/hosts/${id}`)).status, 409);
  assert.equal((await h.api('admin', 'PATCH', `/api/hosts/${id}`, { environment: 'staging' })).status, 409);

  const audit = (await h.api('dave', 'GET', '/api/audit?limit=1000')).body as {
    type: string;
    actor: string;
    subjectId: string;
    data: Record<string, unknown>;
  }[];
  const mine = audit.filter((e) => e.subjectId === id || e.subjectId === img.id);
  assert.deepEqual(
    mine.map((e) => e.type),
    ['image.created', 'host.created', 'host.updated', 'host.retired'],
  );
  assert.ok(mine.every((e) => e.actor === 'admin'));
  assert.deepEqual(mine[2]!.data.environment, { from: 'staging', to: 'production' });
  assert.equal((await h.api('dave', 'GET', '/api/audit/verify')).body.ok, true);
  await h.eventually(
    async () => changes.filter((c) => c === id).length,
    (n) => n >= 3,
    'host change notifications',
  );
});

test('ssh hosts keep only validated settings, and the audit trail keeps fingerprints, not keys or arguments', async (t) => {
  const h = await startHarness(t);
  const img = await image(h);
  const res = await h.api('admin', 'POST', '/api/hosts', {
    name: 'db-7',
    environment: 'staging',
    imageId: img.id,
    connector: 'ssh',
    connectorConfig: {
      address: 'db-7.internal.example',
      login: 'ops',
      hostKey: HOST_KEY,
      replacement: { provider: 'command', argv: ['/usr/local/bin/replace', '--token=s3cret'] },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body.connectorConfig, {
    address: 'db-7.internal.example',
    port: 22,
    login: 'ops',
    hostKey: HOST_KEY.split(' ').slice(0, 2).join(' '),
    replacement: { provider: 'command', argv: ['/usr/local/bin/replace', '--token=s3cret'], timeoutSeconds: 600 },
  });
  const event = (await h.api('dave', 'GET', '/api/audit?type=host.created&limit=100')).body.find((e: { subjectId: string }) => e.subjectId === res.body.id);
  assert.match(event.data.hostKey, /^SHA256:/);
  assert.deepEqual(event.data.replacement, { provider: 'command', program: '/usr/local/bin/replace' });
  assert.doesNotMatch(JSON.stringify(event), /s3cret/);
});

test('only admins administer hosts and images, and a non-admin learns nothing about valid input', async (t) => {
  const h = await startHarness(t);
  for (const [method, path, body] of [
    ['POST', '/api/hosts', { name: 'x' }],
    ['POST', '/api/images', {}],
    ['GET', '/api/images', undefined],
    ['GET', '/api/ssh/ca', undefined],
    ['PATCH', `/api/hosts/${await h.hostId('staging-web-1')}`, { environment: 'staging' }],
    ['DELETE', `/api/hosts/${await h.hostId('staging-web-1')}`, undefined],
  ] as const) {
    const anon = await h.api(undefined, method, path, body);
    assert.equal(anon.status, 401, `${method} ${path} without login`);
    const alice = await h.api('alice', method, path, body);
    assert.equal(alice.status, 403, `${method} ${path} as a requester`);
    assert.equal(alice.body.error.code, 'role_required');
  }
});

test('a host with an open session cannot be retired', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('staging-web-1');
  const sessionId = await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob']));
  const refused = await h.api('admin', 'DELETE', `/api/hosts/${hostId}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'session_open');
  const term = await h.attach(sessionId);
  term.send('exit\n');
  await term.waitForExit();
  assert.equal((await h.api('admin', 'DELETE', `/api/hosts/${hostId}`)).status, 200);
  const again = await h.api('alice', 'POST', '/api/requests', { hostId, reason: 'r', durationMinutes: 5 });
  assert.notEqual(again.status, 201, 'a retired host is not granted');
});

test('images: names are unique, sources stay inside the data dir, unknown ids are 404', async (t) => {
  const h = await startHarness(t);
  await image(h, 'one');
  const dup = await h.api('admin', 'POST', '/api/images', { name: 'one', version: '1', source: 'images/x' });
  assert.equal(dup.status, 409);
  for (const source of ['../../etc', '/etc', 'images/../../etc', 'a b', 'images/$(id)']) {
    const res = await h.api('admin', 'POST', '/api/images', { name: 'two', version: '1', source });
    assert.equal(res.status, 400, source);
    assert.equal(res.body.error.code, 'validation_error');
  }
  const missing = '00000000-0000-4000-8000-000000000000';
  assert.equal((await h.api('admin', 'POST', '/api/hosts', { name: 'n1', environment: 'staging', imageId: missing, connector: 'local' })).status, 404);
  assert.equal((await h.api('admin', 'PATCH', `/api/hosts/${missing}`, { environment: 'staging' })).status, 404);
  assert.equal((await h.api('admin', 'DELETE', `/api/hosts/${missing}`)).status, 404);
  const img = await image(h, 'three', 'images/does-not-exist');
  const unbuilt = await h.api('admin', 'POST', '/api/hosts', { name: 'n2', environment: 'staging', imageId: img.id, connector: 'local' });
  assert.equal(unbuilt.status, 409);
  assert.equal(unbuilt.body.error.code, 'build_failed');
  assert.equal(await h.prisma.host.count({ where: { name: 'n2' } }), 0, 'no host without its machine');
  assert.equal(existsSync(hostDirectory(h.dataDir, 'n2')), false);
});
