import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfDdbkqR7Zc1dkS3y3vGkO0h8o4Zb1tS0hYp2Bq4o9M';
const RSA_BLOB_AS_ED25519 = 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7';

test('bad host definitions are refused with 400 and the error shape, and nothing is stored', async (t) => {
  const h = await startHarness(t);
  const marker = path.join(mkdtempSync(path.join(tmpdir(), 'breakglass-inject-')), 'x');
  t.after(() => rmSync(path.dirname(marker), { recursive: true, force: true }));
  const imageId = (await h.prisma.image.findFirstOrThrow()).id;
  const ssh = { address: '10.0.0.5', port: 22, login: 'ops', hostKey: HOST_KEY };
  const cases: [string, Record<string, unknown>][] = [
    ['name with shell metacharacters', { name: 'web;rm -rf /' }],
    ['name with a path', { name: '../../etc' }],
    ['name with a newline', { name: 'web\nx' }],
    ['environment with spaces', { environment: 'prod uction' }],
    ['unknown connector', { connector: 'telnet' }],
    ['unknown top-level field', { shell: '/bin/sh' }],
    ['connector settings not an object', { connectorConfig: 'address=1' }],
    ['address injecting an option', { connectorConfig: { ...ssh, address: `-oProxyCommand=touch ${marker}` } }],
    ['address starting with a dash', { connectorConfig: { ...ssh, address: '-p2222' } }],
    ['address with a space', { connectorConfig: { ...ssh, address: '10.0.0.5 ProxyCommand touch x' } }],
    ['address with a newline', { connectorConfig: { ...ssh, address: `10.0.0.5\nProxyCommand touch ${marker}` } }],
    ['address with a %-token', { connectorConfig: { ...ssh, address: 'host%d' } }],
    ['address with a known-hosts wildcard', { connectorConfig: { ...ssh, address: '*' } }],
    ['address with a user part', { connectorConfig: { ...ssh, address: 'root@10.0.0.5' } }],
    ['login with shell metacharacters', { connectorConfig: { ...ssh, login: 'root;id' } }],
    ['login injecting an option', { connectorConfig: { ...ssh, login: '-oProxyCommand=x' } }],
    ['login with upper case and spaces', { connectorConfig: { ...ssh, login: 'Ops Team' } }],
    ['port zero', { connectorConfig: { ...ssh, port: 0 } }],
    ['port out of range', { connectorConfig: { ...ssh, port: 65536 } }],
    ['port as a string', { connectorConfig: { ...ssh, port: '22' } }],
    ['port not an integer', { connectorConfig: { ...ssh, port: 22.5 } }],
    ['missing host key', { connectorConfig: { address: '10.0.0.5', login: 'ops' } }],
    ['both host key and host CA', { connectorConfig: { ...ssh, hostCaKey: HOST_KEY } }],
    ['host key that is not a key', { connectorConfig: { ...ssh, hostKey: 'not a key' } }],
    ['host key with a second line', { connectorConfig: { ...ssh, hostKey: `${HOST_KEY}\n* ${HOST_KEY}` } }],
    ['host key with a marker', { connectorConfig: { ...ssh, hostKey: `@cert-authority * ${HOST_KEY}` } }],
    ['host key whose blob is another type', { connectorConfig: { ...ssh, hostKey: RSA_BLOB_AS_ED25519 } }],
    ['unknown ssh setting', { connectorConfig: { ...ssh, proxyCommand: `touch ${marker}` } }],
    ['settings on a local host', { connector: 'local', connectorConfig: { address: '10.0.0.5' } }],
    ['unknown replacement provider', { connectorConfig: { ...ssh, replacement: { provider: 'magic' } } }],
    ['replacement command that is a shell line', { connectorConfig: { ...ssh, replacement: { provider: 'command', argv: 'touch x' } } }],
    ['replacement command without an absolute path', { connectorConfig: { ...ssh, replacement: { provider: 'command', argv: ['touch', marker] } } }],
    ['replacement timeout out of range', { connectorConfig: { ...ssh, replacement: { provider: 'command', argv: ['/bin/true'], timeoutSeconds: 0 } } }],
    ['local-image replacement for an ssh host', { connectorConfig: { ...ssh, replacement: { provider: 'local-image' } } }],
  ];
  for (const [what, change] of cases) {
    const body = { name: 'new-host-1', environment: 'staging', imageId, connector: 'ssh', connectorConfig: ssh, ...change };
    const res = await h.api('admin', 'POST', '/api/hosts', body);
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'validation_error', what);
    assert.equal(typeof res.body.error.message, 'string', what);
  }
  const hostId = await h.hostId('staging-web-1');
  for (const [what, patch] of [
    ['empty patch', {}],
    ['renaming', { name: 'x' }],
    ['bad settings', { connectorConfig: { address: '10.0.0.5' } }],
  ] as const) {
    const res = await h.api('admin', 'PATCH', `/api/hosts/${hostId}`, patch);
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'validation_error', what);
  }
  assert.equal(await h.prisma.host.count({ where: { name: 'new-host-1' } }), 0);
  assert.equal(existsSync(marker), false);
  const control = await h.api('admin', 'POST', '/api/hosts', { name: 'new-host-1', environment: 'staging', imageId, connector: 'ssh', connectorConfig: ssh });
  assert.equal(control.status, 201, 'the same definition without the fault is accepted');
});

test('settings that reach the database some other way still cannot inject into the ssh client', async (t) => {
  const h = await startHarness(t);
  const marker = path.join(mkdtempSync(path.join(tmpdir(), 'breakglass-inject-')), 'x');
  t.after(() => rmSync(path.dirname(marker), { recursive: true, force: true }));
  const image = await h.prisma.image.findFirstOrThrow();
  await h.prisma.host.create({
    data: {
      name: 'forged-1',
      environment: 'staging',
      imageId: image.id,
      connector: 'ssh',
      connectorConfig: { address: `-oProxyCommand=touch ${marker}`, port: 22, login: 'ops', hostKey: HOST_KEY },
    },
  });
  const requestId = await h.grant('forged-1', 15, 'alice', ['bob']);
  const res = await h.api('alice', 'POST', `/api/requests/${requestId}/sessions`, {});
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'connect_failed');
  assert.match(res.body.error.message, /address/);
  assert.equal(existsSync(marker), false);
});
