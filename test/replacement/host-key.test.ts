// When a replaced SSH host comes back at a new address (cloud and webhook
// providers name it), its host key is learnt through the host CA: the real
// ssh client checks the certificate against the CA at the new address, then
// the key's fingerprint is kept on the host row and audited. A host whose new
// instance presents a key the CA does not vouch for is not put back in service.
// The new instances are real sshd processes; the provider that "starts" them
// is a stand-in that reports their address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplacementProvider } from '../../src/replacement/providers/provider.js';
import { readProbe } from '../../src/ssh/host-key-probe.js';
import { fingerprint } from '../../src/ssh/ssh-fns.js';
import { startHarness } from '../helpers/harness.js';
import { brokerCaKey, registerSshHost, startSshd } from '../helpers/sshd.js';

const standInCloud: ReplacementProvider = {
  name: 'stand-in-cloud',
  replace: async (target) => ({ instanceId: `i-${target.host.instance + 1}`, address: '127.0.0.1' }),
};

test("a replaced host's key is recorded once its certificate checks out against the host CA; a key the CA does not vouch for fails the replacement", async (t) => {
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0', BREAKGLASS_PROVIDER_POLL_MS: '50' }, { providers: [standInCloud] });
  const ca = await brokerCaKey(h);
  const signed = await startSshd(t, { userCaKey: ca, hostCa: true });
  const plain = await startSshd(t, { userCaKey: ca });
  const good = await registerSshHost(h, signed, 'key-ca-1', { hostCaKey: signed.hostCaKey }, { replacement: { provider: 'stand-in-cloud' } });
  const bad = await registerSshHost(h, plain, 'key-ca-2', { hostCaKey: signed.hostCaKey }, { replacement: { provider: 'stand-in-cloud' } });

  for (const id of [good, bad]) assert.equal((await h.api('admin', 'POST', `/api/hosts/${id}/replace`)).status, 202);
  const status = (id: string, want: string) =>
    h.eventually(
      () => h.api('admin', 'GET', `/api/replacements?hostId=${id}`),
      (r) => r.body[0]?.status === want,
      `replacement ${want}`,
    );
  await status(good, 'succeeded');
  const host = await h.prisma.host.findUniqueOrThrow({ where: { id: good } });
  assert.equal(host.hostKeyFingerprint, fingerprint(signed.hostKey));
  assert.ok(host.hostKeyRecordedAt);
  const recorded = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'host.key_recorded', subjectId: good } });
  assert.deepEqual(recorded.data, {
    host: 'key-ca-1',
    replacementId: (await h.api('admin', 'GET', `/api/replacements?hostId=${good}`)).body[0].id,
    address: '127.0.0.1',
    fingerprint: fingerprint(signed.hostKey),
    keyType: 'ssh-ed25519',
    certificateId: 'test-host',
    serial: '0',
    caFingerprint: fingerprint(signed.hostCaKey!),
  });
  // The host's own view shows the key and when it was learnt, to anyone who reads the fleet.
  const shown = await h.api('alice', 'GET', `/api/hosts/${good}`);
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body.hostKey, { fingerprint: fingerprint(signed.hostKey), recordedAt: host.hostKeyRecordedAt!.toISOString() });
  const listed = (await h.api('admin', 'GET', '/api/hosts')).body as { id: string; hostKey: unknown }[];
  assert.deepEqual(listed.find((x) => x.id === good)?.hostKey, shown.body.hostKey);
  assert.equal(listed.find((x) => x.id === bad)?.hostKey, null);

  const failed = await status(bad, 'failed');
  assert.match(failed.body[0].lastError, /not vouched for by the host CA: it presents a plain host key \(SHA256:/);
  assert.equal((await h.prisma.host.findUniqueOrThrow({ where: { id: bad } })).hostKeyFingerprint, null);
  const badView = await h.api('admin', 'GET', `/api/hosts/${bad}`);
  assert.equal(badView.body.state, 'failed');
  assert.equal(badView.body.hostKey, null, 'a key the CA does not vouch for is never shown');
});

test('what ssh said is read strictly: another CA, a refused certificate and no answer are told apart', () => {
  const caKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
  const cert = (ca: string) =>
    `debug1: Server host certificate: ssh-ed25519-cert-v01@openssh.com SHA256:abc, serial 7 ID "web-1" CA ssh-ed25519 ${ca} valid forever\n` +
    "debug1: Host '[127.0.0.1]:2222' is known and matches the ED25519-CERT host certificate.\n";
  assert.deepEqual(readProbe(cert(fingerprint(caKey)), caKey), {
    fingerprint: 'SHA256:abc',
    keyType: 'ssh-ed25519',
    certificateId: 'web-1',
    serial: '7',
    caFingerprint: fingerprint(caKey),
  });
  assert.match((readProbe(cert('SHA256:other'), caKey) as { rejected: string }).rejected, /signed by SHA256:other, not by the host CA/);
  assert.ok('rejected' in readProbe(`${cert('SHA256:x').split('\n')[0]}\nHost key verification failed.\n`, caKey));
  assert.deepEqual(readProbe('ssh: connect to host 10.0.0.9 port 22: Connection refused\n', caKey), {
    unreachable: 'ssh: connect to host 10.0.0.9 port 22: Connection refused',
  });
});
