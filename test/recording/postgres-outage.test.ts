// The real failure, not a trigger: the Postgres server stops answering. The
// shell must be closed before any unrecorded keystroke reaches it, and the end
// must become durable once Postgres is back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { processAlive, tempDataDir } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

function clusterPids(pgDir: string): number[] {
  const postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('pgrep', ['-P', String(postmaster)])
    .toString()
    .trim()
    .split('\n')
    .map(Number);
  return [postmaster, ...children];
}

test('when Postgres stops answering, the shell is closed before an unrecorded keystroke reaches it, and the end is recorded once Postgres is back', async (t) => {
  const pgHome = tempDataDir();
  const pg = await startEmbeddedPostgres(pgHome, () => {});
  // After hooks run in order: the broker (and its job workers) stops before its Postgres does.
  const h = await startHarness(t, { DATABASE_URL: pg.url, BREAKGLASS_RECORDING_TIMEOUT_MS: '1500' });
  t.after(async () => {
    await pg.stop();
    rmSync(pgHome, { recursive: true, force: true });
  });
  const sessionId = await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob']));
  const pid = h.broker.services.sessions.terminal(sessionId)!.pid;
  const term = await h.attach(sessionId);
  term.send('echo before-$((1+1))\n');
  await term.waitForOutput('before-2');

  const pids = clusterPids(path.join(pgHome, 'pg'));
  for (const p of pids) process.kill(p, 'SIGSTOP');
  let frozen = true;
  t.after(() => {
    if (frozen) for (const p of pids) process.kill(p, 'SIGCONT');
  });
  term.send('echo after-$((2+3)) > leaked.txt; echo after-$((2+3))\n');
  await term.until((c) => c.notices.some((n) => n.includes('recording could not be written')), 'the fail-closed notice');
  await h.eventually(
    async () => processAlive(pid),
    (a) => !a,
    'the shell to die while Postgres is frozen',
  );
  assert.doesNotMatch(term.output, /after-5/);

  for (const p of pids) process.kill(p, 'SIGCONT');
  frozen = false;
  assert.equal(await term.waitForExit(), 'recording_failed');
  const session = await h.eventually(
    () => h.prisma.session.findUniqueOrThrow({ where: { id: sessionId } }),
    (s) => s.endedAt !== null,
    'the durable end',
  );
  assert.equal(session.endReason, 'recording_failed');
  assert.ok(await h.prisma.replacement.findFirst({ where: { sessionId } }), 'the host is scheduled for replacement');
  // The timed-out write may still commit when Postgres wakes: the recording then
  // shows what was typed, but the keystrokes were never written to the shell.
  assert.throws(() => readFileSync(path.join(h.dataDir, 'hosts', 'staging-web-1', 'leaked.txt')), 'the unrecorded command never ran');
});
