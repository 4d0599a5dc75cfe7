// A child in a pseudo-terminal that reports its end only after the last byte
// of output has been read. node-pty fires `exit` when the child dies and then
// destroys the read side 200 ms later whether or not everything was read
// (output lost in ~1 of 3 runs under load, see docs/environment.md); here the
// read side stays open until the kernel reports end of output (EIO), and
// backpressure no longer pauses it once the child has exited (a pty paused at
// the exit would otherwise be cut short by the give-up timer).
import { readSync } from 'node:fs';
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
  _fd: number;
  _socket: { destroy(err?: Error): void; readableEnded: boolean; readableLength: number; on(ev: 'close' | 'end', fn: () => void): void };
}

const isEio = (err: Error) => (err as NodeJS.ErrnoException).code === 'EIO' || err.message.includes('EIO');

const KILL_AFTER_MS = 2000;
const GIVE_UP_AFTER_MS = 5000;

/** Told of the pty's output and its end: one object (the session), not listeners of each pty's own. */
export interface PtyEvents {
  data(data: Buffer): void;
  /** The child has exited and all its output was read. */
  exited(exit: { exitCode: number; signal?: number }): void;
}

export class PtyProcess {
  private readonly pty: nodePty.IPty;
  private readonly socket: PtyInternals['_socket'];
  /** node-pty's own destroy of the read side (ours below only lets it through at the end). */
  private readonly destroy: (err?: Error) => void;
  /** Made at the end only (terminate), as the kill timers: an idle session keeps neither. */
  private endWaiters: (() => void)[] | undefined;
  private exit: { exitCode: number; signal?: number } | undefined;
  private outputClosed = false;
  private ended = false;
  private paused = false;
  /** The kernel said there is no more output (EIO); what node has buffered is still to be emitted. */
  private outputDone = false;
  private killTimers: NodeJS.Timeout[] | undefined;

  constructor(
    spec: PtySpec,
    private readonly on: PtyEvents,
  ) {
    this.pty = nodePty.spawn(spec.file, spec.args, {
      name: 'xterm-256color',
      cols: spec.cols,
      rows: spec.rows,
      cwd: spec.cwd,
      env: spec.env,
      encoding: null,
      uid: spec.uid,
      gid: spec.gid,
    });
    const socket = (this.pty as unknown as PtyInternals)._socket;
    this.socket = socket;
    this.destroy = socket.destroy.bind(socket);
    // End of output closes the read side, but only once everything read is
    // emitted: the EIO a pty gives at its end arrives as an error, and
    // destroying the stream on it would drop what a paused stream still buffers
    // (the tail lost under backpressure). node-pty's bare destroy() 200 ms after
    // exit, with output still unread, is ignored. Only our give-up timer may cut
    // reading short.
    socket.destroy = (err?: Error) => {
      if (err && isEio(err)) {
        this.outputDone = true;
        this.flowToEnd();
        this.closeWhenDrained();
      } else if (err || socket.readableEnded) this.destroy(err);
    };
    // libuv reports end of file on a hung-up pty after a short read even when
    // the kernel still holds output: read what is left straight from the fd.
    socket.on('end', () => this.readRest((this.pty as unknown as PtyInternals)._fd));
    socket.on('close', () => {
      this.outputClosed = true;
      this.maybeEnd();
    });
    this.pty.onData((data) => {
      this.on.data(data as unknown as Buffer);
      if (this.outputDone) this.closeWhenDrained();
    });
    this.pty.onExit((e) => {
      this.exit = e;
      this.maybeEnd();
    });
  }

  private closeWhenDrained(): void {
    if (this.socket.readableLength === 0) this.destroy();
  }

  /** Reads the pty until the kernel says it is empty and closed (EIO), or has nothing now (EAGAIN). */
  private readRest(fd: number): void {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch {
        return;
      }
      if (n <= 0) return;
      this.on.data(Buffer.from(buf.subarray(0, n)));
    }
  }

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
    if (this.paused || this.ended || this.exit || this.outputDone) return;
    this.paused = true;
    this.pty.pause();
  }

  /** At the end of output nothing holds it back any more: the rest is small and must be read. */
  private flowToEnd(): void {
    this.paused = false;
    this.pty.resume();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pty.resume();
  }

  /** Hangs up the whole process group, kills it if it lingers, and resolves once all output is read. */
  terminate(): Promise<void> {
    if (this.ended) return Promise.resolve();
    const done = new Promise<void>((resolve) => (this.endWaiters ??= []).push(resolve));
    this.resume();
    this.signal('SIGHUP');
    (this.killTimers ??= []).push(
      setTimeout(() => this.signal('SIGKILL'), KILL_AFTER_MS),
      // A process that escaped the group and holds the terminal open: stop reading.
      setTimeout(() => this.destroy(), GIVE_UP_AFTER_MS),
    );
    return done;
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pty.pid, sig);
    } catch {
      try {
        process.kill(this.pty.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  private maybeEnd(): void {
    if (this.ended || !this.exit) return;
    if (!this.outputClosed) {
      // The child is gone; keep reading until the kernel says there is no more output.
      this.resume();
      this.killTimers ??= [setTimeout(() => this.destroy(), GIVE_UP_AFTER_MS)];
      return;
    }
    this.ended = true;
    for (const t of this.killTimers ?? []) clearTimeout(t);
    const waiters = this.endWaiters ?? [];
    this.endWaiters = undefined;
    for (const w of waiters) w();
    this.on.exited(this.exit);
  }
}
