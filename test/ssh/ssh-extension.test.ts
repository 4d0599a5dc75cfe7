import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';
import { brokerCaKey, registerSshHost, run, startSshd } from '../helpers/sshd.js';

test('an extended SSH session outlives its certificate: OpenSSH checks it only at login, the broker ends it at the new end', async (t) => {
  // One policy minute lasts 3 s; the warning comes 1 minute before the end.
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '3000', BREAKGLASS_WARN_BEFORE_END_MINUTES: '1' });
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  await registerSshHost(h, sshd, 'ssh-ext-1');
  const requestId = await h.grant('ssh-ext-1', 3, 'alice', ['bob']);
  const planned = Date.parse((await h.api('alice', 'GET', `/api/requests/${requestId}`)).body.expiresAt);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  term.send('echo in-$((1+1))\n');
  await term.waitForOutput('in-2');
  const dir = readdirSync(tmpdir()).find((n) => n.startsWith('breakglass-ssh-') && n.includes(`-${sessionId}-`))!;
  const cert = await run('ssh-keygen', ['-L', '-f', path.join(tmpdir(), dir, 'id_ed25519-cert.pub')], { env: { ...process.env, TZ: 'UTC' } });
  assert.equal(/Valid: from \S+ to (\S+)/.exec(cert.stdout)![1], new Date(planned).toISOString().slice(0, 19), 'the certificate ends at the planned end');

  const asked = await h.api('alice', 'POST', `/api/requests/${requestId}/extensions`, { minutes: 3, reason: 'longer' });
  const approved = await h.api('bob', 'POST', `/api/requests/${requestId}/extensions/${asked.body.extensions[0].id}/approve`, {});
  assert.equal(approved.status, 200);
  const extended = Date.parse(approved.body.expiresAt);

  // The one-minute warning of the new end comes a minute after the certificate's validTo.
  await term.until((c) => {
    const approvedAt = c.notices.findIndex((n) => n.startsWith('Extension approved'));
    return approvedAt >= 0 && c.notices.slice(approvedAt + 1).some((n) => n.startsWith('Access ends in 1 minute'));
  }, 'the warning of the extended end');
  assert.ok(Date.now() > planned, "past the certificate's validity");
  term.send('echo still-$((3+4))\n');
  await term.waitForOutput('still-7');
  assert.equal(await term.waitForExit(), 'expired');
  const session = await h.api('alice', 'GET', `/api/sessions/${sessionId}`);
  assert.ok(Date.parse(session.body.endedAt) >= extended);
});
