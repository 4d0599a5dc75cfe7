// CPU and memory of a process, read from /proc (Linux): the broker's cost is
// measured from outside, the way an operator would see it.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Every process below `root` whose command name is `comm` (e.g. the embedded Postgres), and `root` itself when so named. */
export function descendants(root: number, comm: string): number[] {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...names].filter(([pid, name]) => name === comm && (pid === root || below(pid))).map(([pid]) => pid);
}

/** CPU seconds of each process below `root` named `comm`, keyed by pid. */
export function cpuSnapshot(root: number, comm: string): Map<number, number> {
  const snap = new Map<number, number>();
  for (const pid of descendants(root, comm)) {
    try {
      snap.set(pid, cpuSeconds(pid));
    } catch {
      /* gone */
    }
  }
  return snap;
}

/** CPU used between two snapshots; a process that exited in between is not counted. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, cpu] of after) sum += cpu - (before.get(pid) ?? 0);
  return sum;
}

/**
 * The postmaster of the server `pool` talks to: the parent of its backend. The
 * CPU of Postgres is that of the postmaster and every process below it, whether
 * the bench started the server (embedded) or it was already running on this
 * machine (TEST_DATABASE_URL, e.g. a distribution's server built with lz4). A
 * server on another machine has no process here: NaN, never a wrong figure.
 */
export async function postmasterOf(pool: { query<R>(sql: string): Promise<{ rows: R[] }> }): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  try {
    const stat = readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return Number.NaN;
  }
}

/** Starts counting the CPU of the Postgres server `pool` talks to (see postmasterOf); the function returned gives the seconds used since. */
export async function postgresCpuMeter(pool: Parameters<typeof postmasterOf>[0]): Promise<() => number> {
  const postmaster = await postmasterOf(pool);
  if (Number.isNaN(postmaster)) return () => Number.NaN;
  const before = cpuSnapshot(postmaster, 'postgres');
  return () => cpuBetween(before, cpuSnapshot(postmaster, 'postgres'));
}
