// What a broker needs from the machine to hold many sessions, checked at start
// so that the 1,001st session does not fail with EMFILE or "out of ptys" in
// the middle of an incident. A session holds about FDS_PER_SESSION descriptors
// in the broker (the pty master, the websocket, the child's pipe during spawn)
// and one pty of the kernel's pool (/proc/sys/kernel/pty/max, shared by every
// program on the machine).
import { readFileSync } from 'node:fs';

export const FDS_PER_SESSION = 4;
const FDS_BASE = 256; // listeners, Postgres pool, change feed, scheduler, logs
export const TARGET_SESSIONS = 1000;

export interface Capacity {
  openFiles?: number;
  ptyMax?: number;
  ptyInUse?: number;
  /** Sessions the limits allow, the lower of the two. */
  sessions?: number;
  /** Empty when the machine holds TARGET_SESSIONS. */
  needs: string[];
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start). */
function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : soft ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

export function machineCapacity(
  target = TARGET_SESSIONS,
  limits = { openFiles: openFilesLimit(), ptyMax: readNumber('/proc/sys/kernel/pty/max'), ptyInUse: readNumber('/proc/sys/kernel/pty/nr') },
): Capacity {
  const needs: string[] = [];
  const bounds: number[] = [];
  if (limits.openFiles !== undefined) {
    bounds.push(Math.floor((limits.openFiles - FDS_BASE) / FDS_PER_SESSION));
    const want = FDS_BASE + target * FDS_PER_SESSION;
    if (limits.openFiles < want)
      needs.push(
        `open files: the limit is ${limits.openFiles}, ${target} sessions need ${want} (raise it, e.g. \`ulimit -n ${want}\` or LimitNOFILE=${want} in a systemd unit)`,
      );
  }
  if (limits.ptyMax !== undefined) {
    const free = limits.ptyMax - (limits.ptyInUse ?? 0);
    bounds.push(free);
    if (free < target)
      needs.push(
        `ptys: ${free} of kernel.pty.max=${limits.ptyMax} are free, ${target} sessions need ${target} (raise it, e.g. \`sysctl -w kernel.pty.max=${limits.ptyMax + target}\`)`,
      );
  }
  return { ...limits, sessions: bounds.length ? Math.max(0, Math.min(...bounds)) : undefined, needs };
}

/** One line for the start-up log. */
export function capacityMessage(c: Capacity): string {
  const room = c.sessions === undefined ? 'unknown (no /proc)' : `about ${c.sessions}`;
  if (c.needs.length === 0)
    return `capacity: room for ${room} concurrent sessions (open files ${c.openFiles ?? '?'}, ptys free ${c.ptyMax === undefined ? '?' : c.ptyMax - (c.ptyInUse ?? 0)})`;
  return `capacity warning: this machine holds ${room} concurrent sessions, fewer than ${TARGET_SESSIONS}. ${c.needs.join('; ')}`;
}
