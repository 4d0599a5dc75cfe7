import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { inCpuGroup, makeCpuGroup, SHELL_CPU_SHARES, SHELL_CPU_WEIGHT } from '../../src/terminal/sandbox/cpu-group.js';

/** A cgroup filesystem laid out in a temporary directory, and the process's cgroup list. */
function fakeCgroups(self: string, files: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), 'cgroups-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  writeFileSync(path.join(root, 'self'), self);
  return { root, self: path.join(root, 'self') };
}

test("cgroup v1: a group under the broker's own, with low cpu.shares", () => {
  const fs = fakeCgroups('2:cpuacct:/\n1:cpu:/services/broker\n0::/\n', { 'cpu/cpu.shares': '1024', 'cpu/services/broker/cpu.shares': '1024' });
  const group = makeCpuGroup(fs.root, fs.self);
  assert.ok('procs' in group, JSON.stringify(group));
  assert.equal(group.procs, path.join(fs.root, 'cpu/services/broker/breakglass-shells/cgroup.procs'));
  assert.equal(readFileSync(path.join(fs.root, 'cpu/services/broker/breakglass-shells/cpu.shares'), 'utf8'), String(SHELL_CPU_SHARES));
});

test('cgroup v2 with the broker in the root group: the cpu controller is enabled for a group of low weight', () => {
  const fs = fakeCgroups('0::/\n', { 'cgroup.controllers': 'cpuset cpu io memory pids', 'cgroup.subtree_control': '' });
  const group = makeCpuGroup(fs.root, fs.self);
  assert.ok('procs' in group, JSON.stringify(group));
  assert.equal(readFileSync(path.join(fs.root, 'cgroup.subtree_control'), 'utf8'), '+cpu');
  assert.equal(readFileSync(path.join(fs.root, 'breakglass-shells/cpu.weight'), 'utf8'), String(SHELL_CPU_WEIGHT));
});

test('no group where none can be made, and the reason says what to do; the shell then starts as it is', () => {
  const v2 = fakeCgroups('0::/system.slice/breakglass.service\n', { 'cgroup.controllers': 'cpu' });
  const group = makeCpuGroup(v2.root, v2.self);
  assert.ok('unavailable' in group && /run the broker as root/.test(group.unavailable), JSON.stringify(group));
  assert.deepEqual(inCpuGroup(group, ['/usr/bin/nice', 'bash']), ['/usr/bin/nice', 'bash']);
  const v1 = fakeCgroups('1:cpu:/\n', {});
  assert.ok('unavailable' in makeCpuGroup(v1.root, v1.self), 'no cpu hierarchy mounted');
});

test('the shell joins the group before anything of it runs, or does not start', async () => {
  const { execFileSync, spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(path.join(tmpdir(), 'cgroup-join-'));
  const procs = path.join(dir, 'cgroup.procs');
  const argv = inCpuGroup({ procs, weight: 'test' }, ['/bin/sh', '-c', 'echo "running as $$"']);
  const out = execFileSync(argv[0]!, argv.slice(1)).toString();
  assert.equal(out, `running as ${readFileSync(procs, 'utf8').trim()}\n`, 'the same process wrote itself into the group, then ran the shell');
  const refused = inCpuGroup({ procs: path.join(dir, 'missing', 'cgroup.procs'), weight: 'test' }, ['/bin/sh', '-c', 'echo ran']);
  const r = spawnSync(refused[0]!, refused.slice(1));
  assert.equal(r.status, 126);
  assert.doesNotMatch(r.stdout.toString(), /ran/);
  assert.match(r.stderr.toString(), /could not join its CPU group/);
});
