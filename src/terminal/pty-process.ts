// A child in a pseudo-terminal that reports its end only after the last byte
// of output has been read. node-pty fires `exit` when the child dies and then
// destroys the read side 200 ms later whether or not everything was read
// (output lost in ~1 of 3 runs under load, see ENVIRONMENT.md); here the
// read side stays open until the kernel reports end of output (EIO), and
// backpressure no longer pauses it once the child has exited (a pty paused at
// the exit would otherwise be cut short by the give-up timer).
import { EventEmitter } from 'node:events';
import * as nodePty from 'node-pty';

export interface PtySpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  cols: number;
  rows: number;
  uid?: number;
  gid?: number;
}

interface PtyInternals {
  _socket: { destroy(err?: Error): void; readableEnded: boolean; on(ev: 'close', fn: () => void): void };
}

const KILL_AFTER_MS = 2000;
const GIVE_UP_AFTER_MS = 5000;

export class PtyProcess extends EventEmitter<{ data: [Buffer]; end: [{ exitCode: number; signal?: number }] }> {
  private readonly pty: nodePty.IPty;
  private exit: { exitCode: number; signal?: number } | undefined;
  private outputClosed = false;
  private ended = false;
  private paused = false;
  private killTimers: NodeJS.Timeout[] = [];

  constructor(spec: PtySpec) {
    super();
    this.pty = nodePty.spawn(spec.file, spec.args, {
      name: 'xterm-256color', cols: spec.cols, rows: spec.rows, cwd: spec.cwd, env: spec.env, encoding: null, uid: spec.uid, gid: spec.gid,
    });
    const socket = (this.pty as unknown as PtyInternals)._socket;
    const destroy = socket.destroy.bind(socket);
    // End of output (EOF, or the EIO error a pty gives instead) still closes the
    // read side; node-pty's bare destroy() 200 ms after exit, with output still
    // unread, does not. Only our give-up timer may cut reading short.
    socket.destroy = (err?: Error) => {
      if (err || socket.readableEnded) destroy(err);
    };
    this.forceClose = () => destroy();
    socket.on('close', () => {
      this.outputClosed = true;
      this.maybeEnd();
    });
    this.pty.onData((data) => this.emit('data', data as unknown as Buffer));
    this.pty.onExit((e) => {
      this.exit = e;
      this.maybeEnd();
    });
  }

  private forceClose: () => void;

  get pid(): number {
    return this.pty.pid;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  write(data: Buffer): void {
    if (!this.ended) this.pty.write(data as unknown as string);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.pty.resize(cols, rows);
  }

  /** Holds output (backpressure). Ignored once the child has exited: what it wrote is read to the end, whoever lags. */
  pause(): void {
    if (this.paused || this.ended || this.exit) return;
    this.paused = true;
    this.pty.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pty.resume();
  }

  /** Hangs up the whole process group, kills it if it lingers, and resolves once all output is read. */
  terminate(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.ended ? resolve() : this.once('end', () => resolve())));
    if (this.ended) return done;
    this.resume();
    this.signal('SIGHUP');
    this.killTimers.push(
      setTimeout(() => this.signal('SIGKILL'), KILL_AFTER_MS),
      // A process that escaped the group and holds the terminal open: stop reading.
      setTimeout(() => this.forceClose(), GIVE_UP_AFTER_MS),
    );
    return done;
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pty.pid, sig);
    } catch {
      try {
        process.kill(this.pty.pid, sig);
      } catch { /* already gone */ }
    }
  }

  private maybeEnd(): void {
    if (this.ended || !this.exit) return;
    if (!this.outputClosed) {
      // The child is gone; keep reading until the kernel says there is no more output.
      this.resume();
      if (this.killTimers.length === 0) this.killTimers.push(setTimeout(() => this.forceClose(), GIVE_UP_AFTER_MS));
      return;
    }
    this.ended = true;
    for (const t of this.killTimers) clearTimeout(t);
    this.emit('end', this.exit);
  }
}
