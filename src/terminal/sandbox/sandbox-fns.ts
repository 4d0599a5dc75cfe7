// Pure rules of the local-host sandbox: which uid a host's shells run as and
// the bubblewrap command line that builds the sandbox around one shell.
import { createHash } from 'node:crypto';

/** Sandbox uids live in a range no distribution hands out to real users (2^30 + 2^29 and up). */
export const SANDBOX_UID_BASE = 0x60000000;
const SANDBOX_UID_SPAN = 0x01000000;

/** A stable uid of the host's own: two hosts' shells never share one (up to a 1 in 16M collision). */
export function hostUid(hostId: string): number {
  return SANDBOX_UID_BASE + (createHash('sha256').update(hostId).digest().readUInt32BE(0) % SANDBOX_UID_SPAN);
}

export interface SandboxSpec {
  /** The host's directory: the only writable place, bound at the same path. */
  hostDir: string;
  /** The uid/gid the shell has inside the sandbox. */
  uid: number;
  gid: number;
  network: boolean;
  hostName: string;
  shell: string;
  shellArgs: string[];
}

/** System directories the shell may read (never write); those missing on this machine are skipped. */
export const SYSTEM_DIRS = ['/usr', '/etc'];
/** Merged-/usr links most distributions have; bound as the links they are. */
export const USR_LINKS: [string, string][] = [
  ['usr/bin', '/bin'],
  ['usr/sbin', '/sbin'],
  ['usr/lib', '/lib'],
  ['usr/lib64', '/lib64'],
];

/**
 * The sandbox: new user, PID, mount, IPC, UTS, cgroup (and network unless
 * allowed) namespaces; a fresh /proc of its own PID namespace, a minimal /dev,
 * an empty /tmp, read-only system directories and the host directory.
 * Nothing else of this machine (data dir, checkout, other hosts) exists in it.
 * It dies with the broker (--die-with-parent) and everything in it dies with
 * its shell (the PID namespace's init ends when the shell does).
 *
 * No --new-session: the pty is this session's own, so the shell keeps job
 * control; TIOCSTI on it can only type into this same sandbox (see README).
 */
export function bwrapArgs(spec: SandboxSpec, existing: (p: string) => boolean): string[] {
  const args = [
    '--unshare-all',
    ...(spec.network ? ['--share-net'] : []),
    '--die-with-parent',
    '--unshare-user',
    '--uid',
    String(spec.uid),
    '--gid',
    String(spec.gid),
  ];
  for (const dir of SYSTEM_DIRS) if (existing(dir)) args.push('--ro-bind', dir, dir);
  for (const [target, link] of USR_LINKS) if (existing(`/${target}`)) args.push('--symlink', target, link);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--bind', spec.hostDir, spec.hostDir, '--chdir', spec.hostDir, '--hostname', spec.hostName);
  args.push('--', spec.shell, ...spec.shellArgs);
  return args;
}
