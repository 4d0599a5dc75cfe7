// Fencing: this replica may run shells only while its lease is safe. The lease
// (see liveness.ts) is renewed in Postgres; after each renewal the fence learns
// until when the lease is safe on this machine's monotonic clock. Past that
// deadline (the lease minus a margin, so before any other replica may take
// over) the shells are killed twice over: by a watchdog process that acts
// even when the broker is frozen, and by the broker, which ends the sessions.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WATCHDOG = fileURLToPath(new URL('./fence-watchdog.mjs', import.meta.url));

export class Fence {
  private watchdog: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadline = 0;

  /** `onLapse` runs once each time the deadline passes without a renewal. */
  constructor(private readonly onLapse: () => void) {}

  start(): void {
    this.watchdog = spawn(process.execPath, [WATCHDOG], { stdio: ['pipe', 'ignore', 'inherit'] });
    this.watchdog.stdin!.on('error', () => {});
  }

  /** Whether the lease is safe now: shells may run and sessions may open. */
  get held(): boolean {
    return performance.now() < this.deadline;
  }

  /** The lease is safe until `deadline` (performance.now() milliseconds). */
  extend(deadline: number): void {
    if (deadline <= this.deadline) return;
    this.deadline = deadline;
    const left = Math.max(0, deadline - performance.now());
    this.send(`deadline ${Math.floor(left)}`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onLapse(), left);
    this.timer.unref();
  }

  guard(pid: number): void {
    this.send(`guard ${pid}`);
  }

  release(pid: number): void {
    this.send(`release ${pid}`);
  }

  /** Stops the watchdog; it kills whatever is still guarded as it goes. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    const child = this.watchdog;
    this.watchdog = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    await exited;
  }

  private send(line: string): void {
    if (this.watchdog?.stdin?.writable) this.watchdog.stdin.write(line + '\n');
  }
}
