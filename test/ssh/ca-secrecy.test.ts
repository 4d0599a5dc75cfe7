import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { Harness } from '../helpers/harness.js';
import { brokerCaKey, registerSshHost, startSshd } from '../helpers/sshd.js';

test('the CA private key never appears in logs, API answers, the audit trail or recordings', async (t) => {
  const proc = await startBroker({ env: { BREAKGLASS_LOG_LEVEL: 'trace' } });
  t.after(() => proc.stop());
  const h = new Harness(proc.url, undefined as never, proc.dataDir);
  const answers: string[] = [];
  const api = async (user: string, method: string, url: string, body?: unknown) => {
    const res = await h.api(user, method, url, body);
    answers.push(JSON.stringify(res.body));
    return res;
  };

  const caFile = path.join(proc.dataDir, 'ssh', 'ca');
  assert.equal(statSync(caFile).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(caFile)).mode & 0o077, 0, 'the CA directory is private');
  const publicKey = await brokerCaKey(h);
  assert.equal(readFileSync(`${caFile}.pub`, 'utf8').trim(), publicKey);
  assert.match(publicKey, /^ssh-ed25519 \S+ breakglass-ca$/);

  const sshd = await startSshd(t, { userCaKey: publicKey });
  const hostId = await registerSshHost(h, sshd, 'ssh-secret-1');
  const created = await api('alice', 'POST', '/api/requests', { hostId, reason: 'incident', durationMinutes: 5 });
  await api('bob', 'POST', `/api/requests/${created.body.id}/approve`, {});
  const session = await api('alice', 'POST', `/api/requests/${created.body.id}/sessions`, {});
  const term = await h.attach(session.body.id);
  term.send('echo done-$((1+1))\n');
  await term.waitForOutput('done-2');
  term.send('exit\n');
  await term.waitForExit();

  for (const url of [
    '/api/ssh/ca',
    `/api/hosts/${hostId}`,
    `/api/hosts/${hostId}/settings`,
    '/api/images',
    '/api/audit?limit=1000',
    `/api/sessions/${session.body.id}`,
  ]) {
    await api('admin', 'GET', url);
  }
  await api('dave', 'GET', '/api/audit?limit=1000');
  const recording = await fetch(`${proc.url}/api/sessions/${session.body.id}/recording`, {
    headers: { authorization: `Bearer ${await h.token('dave')}` },
  }).then((r) => r.text());

  // Every line of the key's body but the first (a header every such key shares) is secret material.
  const secretLines = readFileSync(caFile, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .slice(1);
  assert.ok(secretLines.length >= 3);
  assert.match(proc.output(), /incoming request/, 'the broker logged at trace level');
  const places = { logs: proc.output(), answers: answers.join('\n'), recording, terminal: term.output, sshdLog: sshd.log() };
  for (const [where, text] of Object.entries(places)) {
    assert.doesNotMatch(text, /PRIVATE KEY/, where);
    for (const line of secretLines) assert.ok(!text.includes(line), `a line of the CA private key appears in ${where}`);
  }
});
