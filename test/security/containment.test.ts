// Attacks from a granted shell on a local host, replayed against a real broker
// with the real sandbox, real Postgres and real ptys. Each fails if the attack works.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventually } from '../helpers/api-client.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostDirectory } from '../../src/hosts/local-hosts.js';
import { processesMatching, run } from './attack-shell.js';
import { SHELL_NICENESS } from '../../src/terminal/sandbox/sandbox.js';
import { SHELL_CPU_SHARES, SHELL_CPU_WEIGHT, shellCpuGroup } from '../../src/terminal/sandbox/cpu-group.js';
import { spawn } from 'node:child_process';

const ESCAPES = (n: number) =>
  `setsid sleep ${n}1 >/dev/null 2>&1 < /dev/null & nohup sleep ${n}2 >/dev/null 2>&1 & (sleep ${n}3 >/dev/null 2>&1 &); sleep ${n}4 >/dev/null 2>&1 & disown`;

async function plantEscapes(h: Harness, hostName: string, durationMinutes: number) {
  const n = 70000 + Math.floor(Math.random() * 9000);
  const requestId = await h.grant(hostName, durationMinutes, 'alice', ['bob', 'carol']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  await run(term, ESCAPES(n));
  // A background job shows as a copy of bash until its fork has exec'd sleep: ask again until all four have.
  const running = (out: string) => [1, 2, 3, 4].every((k) => new RegExp(`sleep ${n}${k}`).test(out));
  const inside = await eventually(() => run(term, 'ps -eo args'), running, 'every background job running', 10_000);
  for (const k of [1, 2, 3, 4]) assert.match(inside, new RegExp(`sleep ${n}${k}`), 'ps inside sees every background job running');
  return { n, requestId, sessionId, term };
}

test('no process a session started outlives a revoke (setsid, nohup, (cmd &), disown)', { timeout: 40_000 }, async (t) => {
  const h = await startHarness(t);
  const { n, requestId, term } = await plantEscapes(h, 'staging-web-1', 30);
  assert.equal((await h.api('carol', 'POST', `/api/requests/${requestId}/revoke`, {})).status, 200);
  assert.equal(await term.waitForExit(), 'revoked');
  assert.deepEqual(processesMatching(`sleep ${n}`), [], 'ps outside: nothing left running after the revoke');
});

test('no process a session started outlives the expiry of its grant', { timeout: 40_000 }, async (t) => {
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '1000', BREAKGLASS_WARN_BEFORE_END_MINUTES: '1' });
  const { n, term } = await plantEscapes(h, 'staging-web-2', 6);
  assert.equal(await term.waitForExit(), 'expired');
  assert.deepEqual(processesMatching(`sleep ${n}`), [], 'ps outside: nothing left running after the expiry');
});

test('no process outlives sessions that end together, each in its own namespace', { timeout: 60_000 }, async (t) => {
  // The broker looks for leftovers of sessions ending at the same moment in one pass over /proc.
  const h = await startHarness(t);
  const sessions = [await plantEscapes(h, 'staging-web-1', 30), await plantEscapes(h, 'staging-db-1', 30)];
  const revoked = await Promise.all(sessions.map((s) => h.api('carol', 'POST', `/api/requests/${s.requestId}/revoke`, {})));
  assert.deepEqual(
    revoked.map((r) => r.status),
    [200, 200],
  );
  for (const s of sessions) {
    assert.equal(await s.term.waitForExit(), 'revoked');
    assert.deepEqual(processesMatching(`sleep ${s.n}`), [], `ps outside: nothing of session ${s.sessionId} left running`);
  }
});

test('a shell on one host can neither write into nor read another host, nor see the broker', { timeout: 40_000 }, async (t) => {
  const h = await startHarness(t);
  const { term } = { term: await h.attach(await h.openSession(await h.grant('staging-db-1', 30, 'alice', ['bob']))) };
  const prod = hostDirectory(h.dataDir, 'prod-db-1');
  const out = await run(
    term,
    [
      `echo pwned > ${prod}/planted 2>&1`,
      `ls -a ${prod}`,
      `cat ${prod}/etc/db.conf`,
      `ls -a ${h.dataDir}`,
      `ls ${path.resolve('.')}`,
      `echo x > /tmp/probe && echo wrote-tmp`,
      `touch /etc/probe /usr/probe 2>&1`,
    ].join('; '),
  );
  assert.equal(existsSync(path.join(prod, 'planted')), false, 'nothing was written into prod-db-1');
  assert.doesNotMatch(out, /max_connections/, 'prod-db-1 is not readable');
  assert.doesNotMatch(out, /token-secret|broker-id|images/, 'the data dir is not visible');
  assert.doesNotMatch(out, /package\.json/, 'the checkout is not visible');
  assert.equal(existsSync('/etc/probe') || existsSync('/usr/probe'), false, 'system directories are read-only');
});

test("a shell cannot read another session's /proc nor ptrace its shell", { timeout: 40_000 }, async (t) => {
  const h = await startHarness(t);
  const victimId = await h.openSession(await h.grant('prod-web-1', 30, 'erin', ['bob', 'carol']), 'erin');
  const victim = await h.attach(victimId, 'erin');
  await run(victim, 'export SECRET_IN_ENV=hunter2-in-env');
  victim.send('read -s PASSWORD\nhalf-typed-pass');
  const victimPid = h.broker.services.sessions.terminal(victimId)!.pid;
  const attacker = await h.attach(await h.openSession(await h.grant('staging-web-1', 30, 'alice', ['bob'])));
  const out = await run(
    attacker,
    [
      `ls /proc | grep -E '^[0-9]+$' | wc -l`,
      `for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null | tr '\\0' '\\n' | grep SECRET_IN_ENV; done`,
      `cat /proc/${victimPid}/environ 2>&1 | tr '\\0' '\\n' | grep -c BREAKGLASS`,
      `timeout 3 strace -f -p ${victimPid} -s 64 2>&1 | head -c 300`,
    ].join('; '),
  );
  assert.doesNotMatch(out, /hunter2-in-env/, "another session's environment is not readable");
  assert.doesNotMatch(out, /half-typed|attached/, 'no ptrace of another session');
});

test('a granted shell runs below the broker in CPU priority and cannot raise itself back', { timeout: 40_000 }, async (t) => {
  const h = await startHarness(t);
  const term = await h.attach(await h.openSession(await h.grant('staging-db-1', 30, 'alice', ['bob'])));
  const out = await run(term, 'echo "nice=$(nice)"; renice -n 0 -p $$ >/dev/null 2>&1 && echo raised || echo refused; echo "after=$(nice)"');
  assert.match(out, new RegExp(`nice=${SHELL_NICENESS}\\b`), 'the shell starts niced');
  assert.match(out, /refused/, 'renice to the broker’s priority is refused');
  assert.match(out, new RegExp(`after=${SHELL_NICENESS}\\b`));
});

/** Spins on CPU 0 for about three seconds of wall time, then prints the CPU time it got, in clock ticks. */
const SPIN = `taskset -c 0 bash -c 'end=$((SECONDS+3)); while [ $SECONDS -lt $end ]; do :; done; read -a s < /proc/self/stat; echo ticks=$((s[13]+s[14]))'`;

test("a busy shell gets a small share of the CPU beside a busy process of the broker's, and cannot leave its CPU group", { timeout: 60_000 }, async (t) => {
  const group = shellCpuGroup();
  if ('unavailable' in group) {
    t.skip(`no CPU group can be made here: ${group.unavailable}`);
    return;
  }
  const h = await startHarness(t);
  const term = await h.attach(await h.openSession(await h.grant('staging-db-1', 30, 'alice', ['bob'])));
  const n = 80000 + Math.floor(Math.random() * 9000);
  const attempts = await run(
    term,
    [
      `setsid sleep ${n}1 >/dev/null 2>&1 < /dev/null & sleep ${n}2 >/dev/null 2>&1 & true`,
      // A cgroup filesystem of its own in new user, mount and cgroup namespaces (refused in the sandbox); the sleep runs either way.
      `(unshare -Urmc --fork sh -c 'mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg && echo $$ > /tmp/cg/cgroup.procs; exec sleep ${n}3' 2>/dev/null || sleep ${n}3) >/dev/null 2>&1 & true`,
      'for f in /sys/fs/cgroup/cpu/cgroup.procs /sys/fs/cgroup/cgroup.procs; do echo $$ > $f 2>/dev/null && echo "moved to $f"; done',
      // Its own group's weight, at the paths it would have from outside and from inside a cgroup namespace.
      'for f in /sys/fs/cgroup/cpu/breakglass-shells/cpu.shares /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/breakglass-shells/cpu.weight /sys/fs/cgroup/cpu.weight; do echo 10000 > $f 2>/dev/null && echo "raised $f"; done',
    ].join('; '),
  );
  assert.doesNotMatch(attempts, /moved to/, 'the shell cannot write itself into another CPU group');
  assert.doesNotMatch(attempts, /raised/, "the shell cannot raise its group's weight");
  const dir = path.dirname(group.procs);
  const weight = existsSync(path.join(dir, 'cpu.shares'))
    ? readFileSync(path.join(dir, 'cpu.shares'), 'utf8')
    : readFileSync(path.join(dir, 'cpu.weight'), 'utf8');
  assert.equal(Number(weight), existsSync(path.join(dir, 'cpu.shares')) ? SHELL_CPU_SHARES : SHELL_CPU_WEIGHT, 'seen from outside, the group keeps its weight');
  // The sleeps themselves (not a wrapper whose command line names one), read before they could exit.
  const isSleep = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  };
  const pids = await eventually(
    async () => processesMatching(`sleep ${n}`).filter(isSleep),
    (p) => p.length === 3,
    'the three sleeps running',
    10_000,
  );
  for (const pid of pids) {
    const cpuLine = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /^0::|[:,]cpu[,:]/.test(l) && !/[:,]cpuacct:/.test(l));
    assert.match(
      cpuLine ?? '',
      /breakglass-shells/,
      `seen from outside, a process the shell started (setsid, new namespaces, or neither) is in the shells' CPU group: ${cpuLine}`,
    );
  }

  // A busy loop in the shell and one in a process of the broker's user (a session of its own, as every
  // shell's is), on the same CPU at the same time: without the group they get the same share.
  const inside = run(term, SPIN);
  const outside = new Promise<string>((resolve) => {
    const p = spawn('setsid', ['bash', '-c', SPIN], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out));
  });
  const ticks = (out: string) => Number(/ticks=(\d+)/.exec(out)?.[1]);
  const [shell, broker] = [ticks(await inside), ticks(await outside)];
  assert.ok(Number.isFinite(shell) && Number.isFinite(broker) && broker > 0, `both loops ran: shell ${shell}, broker ${broker}`);
  assert.ok(shell * 2 < broker, `the shell's loop got ${shell} ticks of CPU 0 against the broker-side loop's ${broker}`);
});
