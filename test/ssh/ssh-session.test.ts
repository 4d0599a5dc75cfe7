import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { freePort } from '../../src/free-port.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { brokerCaKey, registerSshHost, run, startSshd } from '../helpers/sshd.js';

const sessionDirs = (sessionId: string) => readdirSync(tmpdir()).filter((n) => n.startsWith('breakglass-ssh-') && n.includes(`-${sessionId}-`));

/** The keys go when the session's command is disposed, just after the client hears the end. */
const keysRemoved = (h: Harness, sessionId: string) =>
  h.eventually(
    async () => sessionDirs(sessionId),
    (dirs) => dirs.length === 0,
    "the session's key directory to be removed",
  );

async function sshSession(h: Harness, host: string, minutes = 15) {
  const requestId = await h.grant(host, minutes, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  return { requestId, sessionId, term };
}

test('a session over SSH records exactly the bytes the remote shell produced', async (t) => {
  const h = await startHarness(t);
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  await registerSshHost(h, sshd, 'ssh-web-1');
  const { sessionId, term } = await sshSession(h, 'ssh-web-1');
  assert.equal(sessionDirs(sessionId).length, 1, 'the session has its own key directory while it runs');

  term.send('echo token-$((6*7)) $(whoami)\n');
  await term.waitForOutput('token-42 bgtarget');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');

  const recorded = await h.broker.services.recordings.bytes(sessionId, 'o');
  assert.equal(recorded.toString(), term.output);
  const typed = await h.broker.services.recordings.bytes(sessionId, 'i');
  assert.equal(typed.toString(), 'echo token-$((6*7)) $(whoami)\nexit\n');
  await keysRemoved(h, sessionId);
  assert.match(sshd.log(), new RegExp(`Accepted certificate ID "breakglass session=${sessionId} request=[^ ]+ user=alice host=ssh-web-1"`));
});

test('a session over SSH is killed when its grant is revoked, and the remote shell goes with it', async (t) => {
  const h = await startHarness(t);
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  await registerSshHost(h, sshd, 'ssh-web-2');
  const { requestId, sessionId, term } = await sshSession(h, 'ssh-web-2');
  term.send('echo remote-pid=$$\n');
  await term.waitForOutput(/remote-pid=\d+/);
  const pid = Number(/remote-pid=(\d+)/.exec(term.output)![1]);
  assert.ok(existsSync(`/proc/${pid}`), 'the remote shell runs on the target');

  const revoked = await h.api('bob', 'POST', `/api/requests/${requestId}/revoke`);
  assert.equal(revoked.status, 200);
  assert.equal(await term.waitForExit(), 'revoked');
  await h.eventually(
    async () => existsSync(`/proc/${pid}`),
    (alive) => !alive,
    'the remote shell to end',
  );
  await keysRemoved(h, sessionId);
  const session = await h.api('dave', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.endReason, 'revoked');
});

test('a host whose key does not match its pin is refused: the session ends and the audit trail says why', async (t) => {
  const h = await startHarness(t);
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  const other = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${sshd.dir}/impostor`]).then(() => run('cat', [`${sshd.dir}/impostor.pub`]));
  await registerSshHost(h, sshd, 'ssh-moved-1', { hostKey: other.stdout.trim() });
  const { sessionId, term } = await sshSession(h, 'ssh-moved-1');

  assert.equal(await term.waitForExit(), 'exit');
  assert.match(term.output, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  assert.match(term.output, /breakglass: could not open a shell on ssh-moved-1/);
  assert.doesNotMatch(sshd.log(), /Accepted certificate/, 'no credential was offered to the impostor');
  const audit = await h.eventually(
    () => h.api('dave', 'GET', '/api/audit?type=ssh.host_key_rejected&limit=10'),
    (r) => r.body.length === 1,
    'the host key audit event',
  );
  assert.equal(audit.body[0].subjectId, sessionId);
  assert.equal(audit.body[0].data.reason, 'host_key_changed');
  assert.equal(audit.body[0].data.host, 'ssh-moved-1');
  await keysRemoved(h, sessionId);
  assert.equal((await h.api('dave', 'GET', '/api/audit/verify')).body.ok, true);
});

test('a host pinned by its host CA is reached; one without a host certificate is refused', async (t) => {
  const h = await startHarness(t);
  const ca = await brokerCaKey(h);
  const signed = await startSshd(t, { userCaKey: ca, hostCa: true });
  await registerSshHost(h, signed, 'ssh-ca-1', { hostCaKey: signed.hostCaKey });
  const ok = await sshSession(h, 'ssh-ca-1');
  ok.term.send('echo via-host-ca\n');
  await ok.term.waitForOutput('via-host-ca');
  ok.term.send('exit\n');
  assert.equal(await ok.term.waitForExit(), 'exit');

  const plain = await startSshd(t, { userCaKey: ca });
  await registerSshHost(h, plain, 'ssh-ca-2', { hostCaKey: signed.hostCaKey });
  const refused = await sshSession(h, 'ssh-ca-2');
  assert.equal(await refused.term.waitForExit(), 'exit');
  assert.match(refused.term.output, /Host key verification failed/);
  await h.eventually(
    () => h.api('dave', 'GET', '/api/audit?type=ssh.host_key_rejected&limit=10'),
    (r) => r.body.some((e: { subjectId: string }) => e.subjectId === refused.sessionId),
    'the host key audit event',
  );
});

test('an unreachable host ends the session with a clear message in the terminal and an audit event', async (t) => {
  const h = await startHarness(t);
  const closed = await freePort();
  const imageId = (await h.prisma.image.findFirstOrThrow()).id;
  const res = await h.api('admin', 'POST', '/api/hosts', {
    name: 'ssh-gone-1',
    environment: 'staging',
    imageId,
    connector: 'ssh',
    connectorConfig: {
      address: '127.0.0.1',
      port: closed,
      login: 'bgtarget',
      hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfDdbkqR7Zc1dkS3y3vGkO0h8o4Zb1tS0hYp2Bq4o9M',
    },
  });
  assert.equal(res.status, 201);
  const { sessionId, term } = await sshSession(h, 'ssh-gone-1');
  assert.equal(await term.waitForExit(), 'exit');
  assert.match(term.output, /Connection refused/);
  assert.match(term.output, /breakglass: could not open a shell on ssh-gone-1/);
  const audit = await h.eventually(
    () => h.api('dave', 'GET', '/api/audit?type=ssh.connect_failed&limit=10'),
    (r) => r.body.length === 1,
    'the connection audit event',
  );
  assert.equal(audit.body[0].subjectId, sessionId);
  assert.equal(audit.body[0].data.reason, 'unreachable');
  await keysRemoved(h, sessionId);
});
