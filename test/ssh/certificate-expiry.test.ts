import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';
import { brokerCaKey, LOGIN, registerSshHost, run, startSshd } from '../helpers/sshd.js';

test('the certificate ends with the grant: the session is killed then, and sshd itself refuses the certificate afterwards', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '8000' });
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  const hostId = await registerSshHost(h, sshd, 'ssh-expiry-1');
  const requestId = await h.grant('ssh-expiry-1', 1, 'alice', ['bob']);
  const expiresAt = new Date((await h.api('alice', 'GET', `/api/requests/${requestId}`)).body.expiresAt);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);

  // The same material the broker makes for this grant, kept to try again after the window.
  const host = await h.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
  const copy = await h.broker.connectors.get('ssh')!.prepare({
    host: { ...host, connectorConfig: host.connectorConfig as Record<string, unknown> },
    sessionId,
    requestId,
    user: { id: randomUUID(), username: 'alice' },
    expiresAt,
  });
  t.after(() => copy.dispose());
  const dir = copy.env.BREAKGLASS_SSH_DIR!;
  const sshOnce = () => run('ssh', ['-F', `${dir}/config`, 'breakglass-target', 'echo', 'cert-accepted']);

  const cert = await run('ssh-keygen', ['-L', '-f', `${dir}/id_ed25519-cert.pub`], { env: { ...process.env, TZ: 'UTC' } });
  const to = /Valid: from \S+ to (\S+)/.exec(cert.stdout)![1]!;
  assert.equal(to, expiresAt.toISOString().slice(0, 19), 'valid until the end of the grant window');
  assert.match(cert.stdout, new RegExp(`Principals:\\s+${LOGIN}\\s`));
  assert.match(cert.stdout, /Extensions:\s+permit-pty\s*$/m, 'no agent, port or X11 forwarding, no user rc');
  assert.equal((await sshOnce()).stdout.trim(), 'cert-accepted');

  term.send('echo inside-the-window\n');
  await term.waitForOutput('inside-the-window');
  assert.equal(await term.waitForExit(), 'expired');
  assert.ok(Date.now() >= expiresAt.getTime(), 'the broker ended the session at the end of the window');

  const refused = await sshOnce().then(
    () => 0,
    (err: { code: number }) => err.code,
  );
  assert.equal(refused, 255);
  assert.match(sshd.log(), /[Cc]ertificate invalid: expired/);
  await copy.dispose();
  assert.equal(existsSync(dir), false, 'dispose removes the per-session keys');
});

test('no certificate is issued once the grant window has ended', async (t) => {
  const h = await startHarness(t);
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  const hostId = await registerSshHost(h, sshd, 'ssh-expiry-2');
  const host = await h.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
  await assert.rejects(
    h.broker.connectors.get('ssh')!.prepare({
      host: { ...host, connectorConfig: host.connectorConfig as Record<string, unknown> },
      sessionId: randomUUID(),
      requestId: randomUUID(),
      user: { id: randomUUID(), username: 'alice' },
      expiresAt: new Date(Date.now() - 1000),
    }),
    /grant window has ended/,
  );
});
