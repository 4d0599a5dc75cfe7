// The sandbox around a local host's shell, built with bubblewrap. Fails closed:
// where it cannot be made, a local host does not open (unless the operator set
// the variable that says, in its name, that this is unsafe).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { inCpuGroup, shellCpuGroup } from './cpu-group.js';
import { bwrapArgs, SANDBOX_UID_BASE, type SandboxSpec } from './sandbox-fns.js';

export const BWRAP = '/usr/bin/bwrap';
const SETPRIV = '/usr/bin/setpriv';
export const UNSAFE_VARIABLE = 'BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL';

export const SANDBOX_FIX =
  `Local hosts run in a bubblewrap sandbox. Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) ` +
  `and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; ` +
  `Ubuntu 24.04+: kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap), ` +
  `or set ${UNSAFE_VARIABLE}=1 to run demo shells unsandboxed (unsafe: every granted user can then reach the broker's secrets).`;

const isRoot = () => process.getuid?.() === 0;

const NICE = '/usr/bin/nice';
/**
 * Granted shells run at a lower CPU priority than the broker and Postgres: a
 * shell that loads the CPU (hundreds of streaming sessions, or a requester's
 * busy loop) cannot starve the recorded path that every other session's
 * keystrokes and output go through. In a low-weight CPU group where one can be
 * made (cpu-group.ts: nice alone does nothing between terminal sessions where
 * the kernel groups CPU time by session), and at nice 10, which a shell cannot
 * raise again (that needs CAP_SYS_NICE, which the sandbox does not give).
 */
export const SHELL_NICENESS = 10;

/**
 * argv that runs the sandbox in the shells' CPU group and at SHELL_NICENESS
 * (each step execs the next: the process id stays the same): as root,
 * bubblewrap itself runs as the host's uid with no supplementary groups.
 */
export function sandboxCommand(spec: SandboxSpec, bwrapPath = BWRAP): { file: string; args: string[] } {
  return command(inCpuGroup(shellCpuGroup(), niced(sandboxArgv(spec, bwrapPath))));
}

function sandboxArgv(spec: SandboxSpec, bwrapPath: string): string[] {
  const bwrap = [bwrapPath, ...bwrapArgs(spec, existsSync)];
  return isRoot() ? [SETPRIV, '--reuid', String(spec.uid), '--regid', String(spec.gid), '--clear-groups', '--', ...bwrap] : bwrap;
}

/** The same argv at SHELL_NICENESS only (an unsandboxed shell started as `nobody` cannot join the CPU group). */
export function nicedCommand(argv: string[]): { file: string; args: string[] } {
  return command(niced(argv));
}

function niced(argv: string[]): string[] {
  return [NICE, '-n', String(SHELL_NICENESS), ...argv];
}

function command([file, ...args]: string[]): { file: string; args: string[] } {
  return { file: file!, args };
}

const available = new Map<string, Promise<void>>();

/** Resolves if a sandbox can be made here, else rejects with a message naming the fix (re-checked after a failure). */
export function checkSandbox(bwrapPath = BWRAP): Promise<void> {
  let check = available.get(bwrapPath);
  if (!check) {
    check = probe(bwrapPath).catch((err: Error) => {
      available.delete(bwrapPath);
      throw err;
    });
    available.set(bwrapPath, check);
  }
  return check;
}

function probe(bwrapPath: string): Promise<void> {
  if (!existsSync(bwrapPath)) return Promise.reject(new Error(`${bwrapPath} is missing. ${SANDBOX_FIX}`));
  if (isRoot() && !existsSync(SETPRIV)) return Promise.reject(new Error(`${SETPRIV} (util-linux) is missing; it drops root before the sandbox starts.`));
  // The sandbox alone, outside the CPU group: a group that cannot be joined must not read as "no sandbox here".
  const { file, args } = command(
    sandboxArgv(
      { hostDir: '/tmp', uid: SANDBOX_UID_BASE, gid: SANDBOX_UID_BASE, network: false, hostName: 'probe', shell: '/bin/true', shellArgs: [] },
      bwrapPath,
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new Error(`bubblewrap could not run (${err.message}). ${SANDBOX_FIX}`)));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`bubblewrap could not make a sandbox here (${stderr.trim() || `exit ${code}`}). ${SANDBOX_FIX}`)),
    );
  });
}

/**
 * The PID namespace of a running sandbox, found from bubblewrap's process
 * (its child is the namespace's init). Undefined if the sandbox is already gone.
 */
export async function sandboxNamespace(bwrapPid: number): Promise<string | undefined> {
  const own = await readlink('/proc/self/ns/pid').catch(() => undefined);
  for (let attempt = 0; attempt < 200; attempt++) {
    const children = await readFile(`/proc/${bwrapPid}/task/${bwrapPid}/children`, 'utf8').catch(() => undefined);
    if (children === undefined) return undefined;
    for (const child of children.trim().split(/\s+/).filter(Boolean)) {
      const ns = await readlink(`/proc/${child}/ns/pid`).catch(() => undefined);
      if (ns && ns !== own) return ns;
    }
    // bubblewrap has not cloned its sandbox yet: it does within milliseconds of exec.
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/** The processes (zombies left out) of each of `namespaces`, from one pass over /proc. */
async function scanProc(namespaces: Set<string>): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ns = await readlink(`/proc/${name}/ns/pid`).catch(() => undefined);
    if (ns === undefined || !namespaces.has(ns)) continue;
    // A zombie runs nothing: it only waits for its parent to collect it.
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (!/\) [^Z] /.test(stat)) continue;
    const pids = found.get(ns);
    if (pids) pids.push(Number(name));
    else found.set(ns, [Number(name)]);
  }
  return found;
}

/** The next pass over /proc, not started yet: every namespace asked for meanwhile joins it. */
let nextScan: { namespaces: Set<string>; result: Promise<Map<string, number[]>> } | undefined;

/**
 * The processes in a pid namespace. Sessions that end together share passes
 * over /proc: when 500 sessions ended at once, a pass each (every process's
 * namespace link read 500 times over) held the broker for seconds.
 */
export function processesIn(namespace: string): Promise<number[]> {
  if (!nextScan) {
    const namespaces = new Set<string>();
    const scan = {
      namespaces,
      result: new Promise((resolve) => setImmediate(resolve)).then(() => {
        if (nextScan === scan) nextScan = undefined; // asked for from now on: the pass after this one
        return scanProc(namespaces);
      }),
    };
    nextScan = scan;
  }
  nextScan.namespaces.add(namespace);
  return nextScan.result.then((found) => found.get(namespace) ?? []);
}

/**
 * Kills every process still in the namespace and resolves once none is left,
 * with how many there were. bubblewrap may exit a moment before its
 * namespace's init has finished killing the rest; this does not rely on it.
 */
export async function killLeftovers(namespace: string): Promise<number> {
  const first = await processesIn(namespace);
  // Bounded: SIGKILL cannot be refused, so a few rounds suffice; the bound only guards against a stuck kernel.
  for (let pids = first, round = 0; pids.length && round < 1000; pids = await processesIn(namespace), round++) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return first.length;
}
