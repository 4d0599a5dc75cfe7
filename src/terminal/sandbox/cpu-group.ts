// The CPU group granted shells run in. A shell's nice value alone does not put
// it below the broker where the kernel groups CPU time by terminal session
// (autogroup, on by default in most distributions for processes outside a CPU
// cgroup): every pty is its own session, so each shell became a peer of the
// whole broker, and any process can start a new session (setsid) anyway. A CPU
// cgroup of low weight holds every shell and everything it starts, and a shell
// cannot leave it (the sandbox has no cgroup filesystem, and joining another
// group needs write access to it). All shells together then weigh a quarter
// of one other process group (the broker's, Postgres's) when the CPU is
// short; while it is not, they use it freely. Made once, when the broker starts:
//   - cgroup v1 (a `cpu` hierarchy): a `breakglass-shells` group under the
//     broker's own, cpu.shares 256 against the default 1024;
//   - cgroup v2 with the broker in the root group: the same, cpu.weight 25
//     against the default 100;
//   - otherwise (no write access, as a normal user, or a v2 group the broker
//     shares with its own processes) none, and the broker says so at start.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const GROUP = 'breakglass-shells';
export const SHELL_CPU_SHARES = 256;
export const SHELL_CPU_WEIGHT = 25;

export type CpuGroup = { procs: string; weight: string } | { unavailable: string };

const HOW =
  'Granted shells share the CPU with the broker as equals here (each terminal session is its own scheduling group); ' +
  'run the broker as root on cgroup v1 or in the root group of cgroup v2 for shells to run in a low-weight CPU group.';

let found: CpuGroup | undefined;

/** The shells' CPU group on this machine, made on first use (or why there is none). */
export function shellCpuGroup(): CpuGroup {
  found ??= makeCpuGroup('/sys/fs/cgroup', '/proc/self/cgroup');
  return found;
}

/** Makes (or finds) the group under the cgroup filesystem `root`, for the process whose cgroups `self` lists. */
export function makeCpuGroup(root: string, self: string): CpuGroup {
  try {
    const lines = readFileSync(self, 'utf8').trim().split('\n');
    const v1 = lines.map((l) => l.split(':')).find(([, controllers]) => controllers?.split(',').includes('cpu'));
    if (v1) {
      const mount = ['cpu', 'cpu,cpuacct', 'cpuacct,cpu'].map((m) => path.join(root, m)).find((m) => existsSync(path.join(m, 'cpu.shares')));
      if (!mount) return { unavailable: `no cgroup v1 cpu hierarchy under ${root}. ${HOW}` };
      const dir = path.join(mount, v1[2] ?? '/', GROUP);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'cpu.shares'), String(SHELL_CPU_SHARES));
      return { procs: path.join(dir, 'cgroup.procs'), weight: `cpu.shares ${SHELL_CPU_SHARES} of 1024 (${dir})` };
    }
    const v2 = lines.find((l) => l.startsWith('0::'));
    if (v2 === '0::/' && readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      writeFileSync(path.join(root, 'cgroup.subtree_control'), '+cpu');
      const dir = path.join(root, GROUP);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'cpu.weight'), String(SHELL_CPU_WEIGHT));
      return { procs: path.join(dir, 'cgroup.procs'), weight: `cpu.weight ${SHELL_CPU_WEIGHT} of 100 (${dir})` };
    }
    return { unavailable: `the broker is in a cgroup v2 group of its own (${v2 ?? 'none'}). ${HOW}` };
  } catch (err) {
    return { unavailable: `${(err as Error).message}. ${HOW}` };
  }
}

/**
 * argv that joins the shells' CPU group and then execs `argv` (same process:
 * the group holds it and all it starts). If joining fails, the shell does not
 * start: it says why on the terminal.
 */
export function inCpuGroup(group: CpuGroup, argv: string[]): string[] {
  if ('unavailable' in group) return argv;
  const join = 'echo $$ > "$1" || { echo "breakglass: this shell could not join its CPU group; ask the operator" >&2; exit 126; }; shift; exec "$@"';
  return ['/bin/sh', '-c', join, 'sh', group.procs, ...argv];
}
