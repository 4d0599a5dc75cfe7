import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';
import { brokerCaKey, registerSshHost, run, startSshd } from '../helpers/sshd.js';

test("every certificate has a serial of its own, and a revoked grant's serial is in the published KRL", async (t) => {
  const h = await startHarness(t);
  const sshd = await startSshd(t, { userCaKey: await brokerCaKey(h) });
  await registerSshHost(h, sshd, 'ssh-serial-1');
  await registerSshHost(h, sshd, 'ssh-serial-2');

  const sessions: { requestId: string; sessionId: string }[] = [];
  for (const host of ['ssh-serial-1', 'ssh-serial-2']) {
    const requestId = await h.grant(host, 15, 'alice', ['bob']);
    const sessionId = await h.openSession(requestId);
    const term = await h.attach(sessionId);
    term.send('echo connected-$((1+1))\n');
    await term.waitForOutput('connected-2');
    sessions.push({ requestId, sessionId });
    if (sessions.length === 1) {
      assert.equal((await h.api('bob', 'POST', `/api/requests/${requestId}/revoke`)).status, 200);
      assert.equal(await term.waitForExit(), 'revoked');
    } else {
      term.send('exit\n');
      await term.waitForExit();
    }
  }
  const rows = await h.prisma.session.findMany({ where: { id: { in: sessions.map((s) => s.sessionId) } } });
  const serialOf = (id: string) => rows.find((r) => r.id === id)!.sshSerial!;
  const [revoked, kept] = sessions.map((s) => serialOf(s.sessionId));
  assert.ok(revoked! > 0n && kept! > 0n && revoked !== kept, `distinct non-zero serials: ${revoked}, ${kept}`);
  for (const s of sessions) assert.match(sshd.log(), new RegExp(`ID "breakglass session=${s.sessionId}[^"]*" \\(serial ${serialOf(s.sessionId)}\\)`));

  const res = await fetch(`${h.url}/api/ssh/krl`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  const dir = mkdtempSync(path.join(tmpdir(), 'bg-krl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'krl'), Buffer.from(await res.arrayBuffer()));
  const { stdout } = await run('ssh-keygen', ['-Q', '-l', '-f', path.join(dir, 'krl')]);
  const listed = [...stdout.matchAll(/^serial: (\d+)$/gm)].map((m) => BigInt(m[1]!));
  assert.deepEqual(listed, [revoked]);
  assert.match(stdout, new RegExp(`CA key ${(await brokerCaKey(h)).split(' ')[0]}`));
});
