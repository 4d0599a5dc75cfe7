// One live session on this broker: it owns the pty, the recording, the attached
// sockets and the timers of the time box, and releases all of them when it ends.
// Every byte is acted on only after its chunk is committed (see SessionRecording).
import type { WebSocket } from 'ws';
import type { ChunkRow } from '../recording/recording-fns.js';
import { SessionRecording } from '../recording/session-recording.js';
import type { RecordingWriter } from '../recording/recording-writer.js';
import type { ShellCommand } from './connectors/connector.js';
import type { Deadlines, Sleeper } from './deadlines.js';
import { parseClientMessage, type EndReason, type ServerMessage } from './protocol.js';
import { PtyProcess, type PtyEvents } from './pty-process.js';
import { RecentOutput } from './recent-output.js';
import { IdleWatch } from './time-box.js';

const SOCKET_HIGH_WATER = 1 << 20; // pause the pty above 1 MiB unsent to the controller
const SOCKET_LOW_WATER = 256 << 10;
const UNCOMMITTED_HIGH_WATER = 4 << 20; // or above 4 MiB not yet in Postgres
const REPAINT_BYTES = 64 << 10; // the recent committed output a re-attaching browser repaints from
const BINARY = { binary: true } as const;
const NO_WATCHERS: string[] = [];

export interface SessionInfo {
  id: string;
  requestId: string;
  userId: string;
  hostName: string;
  /** The host's instance number: its replacement after this session brings instance + 1. */
  instance: number;
  /** When the session started and when its grant ends, in ms since the epoch (numbers, not Dates: ~150 B less a session). */
  startedAtMs: number;
  expiresAtMs: number;
  cols: number;
  rows: number;
  /** Said first whenever the requester attaches (an emergency grant's banner). */
  banner?: string;
}

export interface SessionTiming {
  minuteMs: number;
  warnBeforeEndMinutes: number[];
  disconnectGraceMs: number;
  /** How long the end of a window waits for Postgres to say whether the grant was extended; then it ends (default 5 s). */
  endCheckTimeoutMs?: number;
}

const END_CHECK_TIMEOUT_MS = 5000;

export interface SessionEnd {
  reason: EndReason;
  bytesIn: number;
  bytesOut: number;
  error?: string;
}

/**
 * What every session on a broker shares: one object for all of them, whose
 * methods are told which session asks (not closures of each session's own).
 */
export interface SessionServices {
  writer: RecordingWriter;
  timing: SessionTiming;
  /** The one timer of all sessions' deadlines. */
  deadlines: Deadlines;
  /** Records the end durably; resolves to the reason the database holds (the agreed one). */
  persistEnd(session: TerminalSession, end: SessionEnd): Promise<EndReason | undefined>;
  /** The grant's current end from Postgres (an extension may have moved it); null once it is no longer approved. */
  currentEnd?(session: TerminalSession): Promise<Date | null>;
  /** Told of every committed chunk after it was acted on (the search lines of a live session). */
  observe?(session: TerminalSession, rows: ChunkRow[]): void;
}

export class TerminalSession implements Sleeper, PtyEvents {
  private readonly pty: PtyProcess;
  private readonly recording: SessionRecording;
  private controller: WebSocket | undefined;
  /** When the browser's absence ends the session, by the deadlines' (monotonic) clock; Infinity while one is attached. */
  private graceEndsAt = Infinity;
  /** Warnings before the end that fall at or before this time (wall clock) are given or passed over. */
  private warnedUpTo: number;
  /** Asking Postgres whether the grant was extended, at the end of the window. */
  private checkingEnd = false;
  private ending: Promise<void> | undefined;
  private reason: EndReason | undefined;
  /** The controlling browser asked to hold output (its terminal is behind). */
  private clientPaused = false;
  private readonly idle: IdleWatch | undefined;
  /** The last REPAINT_BYTES of committed output, for a browser that re-attaches. */
  private readonly recent = new RecentOutput(REPAINT_BYTES);
  /** Replaced, never changed in place: all sessions nobody watches share one empty list. */
  private watchers: string[] = NO_WATCHERS;
  /** When the controlling browser attached, in the recording's time (ms since the start). */
  private attachedAtMs = 0;
  /** One callback for every frame sent (not a closure per chunk). */
  private readonly onSent = () => this.updateFlow();

  /** What the session needs of its command once the shell runs: its clean-up and its warning, not its arguments and environment (~1 KB a session). */
  private readonly disposeCommand: ShellCommand['dispose'];
  private readonly warning: string | undefined;

  constructor(
    readonly info: SessionInfo,
    command: ShellCommand,
    private readonly services: SessionServices,
    /** The environment's idle timeout in policy minutes; none when absent. */
    idleMinutes?: number | null,
  ) {
    this.recording = new SessionRecording(info.id, info.startedAtMs, services.writer, this);
    // Spawn first: if that throws, nothing has been queued for a session that never was.
    this.pty = new PtyProcess({ ...command, cols: info.cols, rows: info.rows }, this);
    command.started?.(this.pty.pid);
    this.disposeCommand = command.dispose;
    this.warning = command.warning;
    if (command.warning) this.recording.push('m', Buffer.from(command.warning));
    this.recording.push('m', Buffer.from(`session started on ${info.hostName}`));
    this.recording.push('r', Buffer.from(`${info.cols}x${info.rows}`));
    const now = services.deadlines.now();
    this.warnedUpTo = Date.now();
    this.graceEndsAt = now + services.timing.disconnectGraceMs;
    if (idleMinutes) this.idle = new IdleWatch(idleMinutes, services.timing.minuteMs, now);
    this.updateFlow();
    this.sleep();
  }

  /** The pty's output (PtyEvents): recorded first, forwarded once committed. */
  data(data: Buffer): void {
    this.recording.push('o', data);
    this.updateFlow();
  }

  /** The shell is gone and all its output was read (PtyEvents). */
  exited(): void {
    void this.end('exit');
  }

  /** The recording could not be written (SessionRecordingEvents): nothing runs unrecorded. */
  failed(): void {
    void this.end('recording_failed');
  }

  /** The grant was extended (on any replica): the end and its warnings move to the new end. */
  moveEnd(expiresAt: Date): void {
    const end = expiresAt.getTime();
    if (this.ended || !(end > this.info.expiresAtMs)) return; // later only (an invalid date is not)
    this.info.expiresAtMs = end;
    this.warnedUpTo = Date.now(); // warnings already past before the new end are not given late
    this.sleep();
    if (this.controller) this.send(this.controller, { type: 'expires', expiresAt: expiresAt.toISOString() });
  }

  /**
   * A deadline came (Deadlines): the browser's grace ran out, a warning is due,
   * the idle check, or the end of the window. Then asks to be woken at the next.
   * The grace and the idle check are on the deadlines' clock (`now`), the end
   * and its warnings on the wall clock, as the grant's end is.
   */
  wake(now: number): void {
    if (this.ended) return;
    if (now >= this.graceEndsAt) {
      void this.end('disconnected');
      return;
    }
    const wall = Date.now();
    const end = this.info.expiresAtMs;
    for (const minutes of this.services.timing.warnBeforeEndMinutes) {
      const at = end - minutes * this.services.timing.minuteMs;
      if (at > this.warnedUpTo && at <= wall) {
        const when = this.expiresIso.slice(11, 19);
        this.notice(`Access ends in ${minutes} minute(s), at ${when} UTC. The shell will be closed then.`);
      }
    }
    this.warnedUpTo = Math.max(this.warnedUpTo, wall);
    if (this.idle && now >= this.idle.dueAt) {
      const step = this.idle.check(now);
      if (step === 'end') {
        void this.end('idle');
        return;
      }
      if (step) this.notice(step.warning);
    }
    if (wall >= end && !this.checkingEnd) {
      this.checkingEnd = true;
      void this.timeUp();
    }
    this.sleep();
  }

  /** Asks to be woken at the next of its deadlines (wall-clock ones converted to the deadlines' clock now). */
  private sleep(): void {
    if (this.ended) return;
    const { deadlines, timing } = this.services;
    const toClock = deadlines.now() - Date.now();
    const end = this.info.expiresAtMs;
    let nextWall = this.checkingEnd ? Infinity : end;
    for (const minutes of timing.warnBeforeEndMinutes) {
      const at = end - minutes * timing.minuteMs;
      if (at > this.warnedUpTo && at < nextWall) nextWall = at;
    }
    deadlines.wakeAt(this, Math.min(this.graceEndsAt, this.idle?.dueAt ?? Infinity, nextWall + toClock));
  }

  private get expiresIso(): string {
    return new Date(this.info.expiresAtMs).toISOString();
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Whether the pty is not being read right now (backpressure or a paused browser). */
  get outputHeld(): boolean {
    return this.pty.isPaused;
  }

  /** The shell's process id (its process group is killed at the end). */
  get pid(): number {
    return this.pty.pid;
  }

  get bytes(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.recording.bytesIn, bytesOut: this.recording.bytesOut };
  }

  /** Attaches the requester's socket, taking over from an older one (watchers tail the recording instead). */
  attach(ws: WebSocket): void {
    if (this.ended) {
      ws.close(1000);
      return;
    }
    if (this.controller) {
      this.send(this.controller, { type: 'notice', message: 'This session was opened in another window.', expiresAt: this.expiresIso });
      this.controller.close(4000, 'attached elsewhere');
    }
    this.controller = ws;
    this.attachedAtMs = Math.max(0, Date.now() - this.info.startedAtMs);
    this.recording.markInteractive();
    this.clientPaused = false;
    this.idle?.input(this.services.deadlines.now()); // attaching is activity: a warning is never given to nobody
    this.graceEndsAt = Infinity;
    this.sleep();
    ws.on('message', (data, isBinary) => this.onFrame(ws, data as Buffer, isBinary));
    ws.on('close', () => this.detach(ws));
    ws.on('error', () => ws.terminate());
    const left = Math.max(0, Math.round((this.info.expiresAtMs - Date.now()) / this.services.timing.minuteMs));
    if (this.info.banner) this.send(ws, { type: 'notice', message: this.info.banner, expiresAt: this.expiresIso });
    const { hostName, instance } = this.info;
    this.send(ws, {
      type: 'notice',
      message: `Connected to ${hostName}. Recorded. Access ends in about ${left} minute(s). When the session ends, ${hostName} is replaced (instance ${instance} → ${instance + 1}).`,
      expiresAt: this.expiresIso,
    });
    // A reloaded page starts blank: repaint it from the recent committed output.
    if (this.recent.length > 0) ws.send(this.recent.contents(), { binary: true });
    if (this.watchers.length) this.send(ws, { type: 'watchers', users: this.watchers });
    if (this.warning) this.send(ws, { type: 'notice', message: this.warning, expiresAt: this.expiresIso });
    this.updateFlow();
  }

  /** The approvers and auditors watching now (on this broker); the requester is told. */
  watchedBy(users: string[]): void {
    this.watchers = users;
    if (this.controller) this.send(this.controller, { type: 'watchers', users });
  }

  notice(message: string): void {
    this.recording.push('m', Buffer.from(message));
  }

  /** Ends the session; idempotent. Resolves once the end is durable. */
  end(reason: EndReason): Promise<void> {
    if (this.ending) return this.ending;
    this.reason = reason;
    this.services.deadlines.cancel(this);
    this.ending = this.finish();
    return this.ending;
  }

  private async finish(): Promise<void> {
    if (this.reason === 'recording_failed' && this.controller) {
      // Said at once: recording the end may itself wait for Postgres to come back.
      this.send(this.controller, {
        type: 'notice',
        message: 'The recording could not be written, so the shell is being closed (nothing runs unrecorded).',
        expiresAt: this.expiresIso,
      });
    }
    await this.pty.terminate();
    // Before the end is reported: the connector makes sure nothing of the session runs on.
    await this.dispose();
    if (!this.recording.failedWith) await this.recording.drain();
    let reason: EndReason = this.recording.failedWith ? 'recording_failed' : this.reason!;
    try {
      // The end writes the recording's last event; if another replica ended the
      // session first, its reason is the one everybody is told.
      reason = (await this.services.persistEnd(this, { reason, ...this.bytes, error: this.recording.failedWith?.message })) ?? reason;
    } finally {
      if (this.controller) {
        this.send(this.controller, { type: 'exit', reason });
        this.controller.close(1000, reason);
      }
      this.controller = undefined;
      await this.dispose();
    }
  }

  private disposed: Promise<void> | undefined;

  private dispose(): Promise<void> {
    this.disposed ??= this.disposeCommand().catch(() => {});
    return this.disposed;
  }

  private onFrame(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (this.ended || ws !== this.controller) return;
    if (isBinary) {
      this.idle?.input(this.services.deadlines.now());
      this.recording.push('i', data);
      return;
    }
    const msg = parseClientMessage(data.toString('utf8'));
    if ('error' in msg) {
      this.send(ws, { type: 'notice', message: `Ignored a control frame: ${msg.error}.`, expiresAt: this.expiresIso });
      return;
    }
    switch (msg.type) {
      case 'resize':
        this.recording.push('r', Buffer.from(`${msg.cols}x${msg.rows}`));
        break;
      case 'pause':
      case 'resume':
        this.clientPaused = msg.type === 'pause';
        this.updateFlow();
        break;
      default:
        throw new Error(`unhandled control message ${JSON.stringify(msg)}`);
    }
  }

  /** The recording committed these events (SessionRecordingEvents): acted on in order, so nothing is forwarded before it is recorded. */
  committed(rows: ChunkRow[]): void {
    for (const row of rows) {
      switch (row.kind) {
        case 'o':
          this.forwardOutput(row.data);
          break;
        case 'i':
          this.pty.write(row.data);
          break;
        case 'r': {
          const [cols, rows] = row.data.toString().split('x').map(Number);
          this.pty.resize(cols!, rows!);
          break;
        }
        case 'm':
          // A notice recorded before this browser attached is not said after the attach's own
          // ("Connected to …", which already says what the session start says).
          if (this.controller && row.atMs >= this.attachedAtMs)
            this.send(this.controller, { type: 'notice', message: row.data.toString(), expiresAt: this.expiresIso });
          break;
        default:
          throw new Error(`unknown chunk kind ${String(row.kind)}`);
      }
    }
    this.services.observe?.(this, rows);
    this.updateFlow();
  }

  private forwardOutput(data: Buffer): void {
    this.recent.push(data);
    if (this.controller) this.controller.send(data, BINARY, this.onSent);
  }

  /** Backpressure: the pty pauses while nobody reads, the browser lags, or Postgres lags. */
  private updateFlow(): void {
    if (this.ended) return;
    const buffered = this.controller?.bufferedAmount ?? 0;
    const uncommitted = this.recording.uncommittedBytes;
    if (!this.controller || this.clientPaused || buffered > SOCKET_HIGH_WATER || uncommitted > UNCOMMITTED_HIGH_WATER) this.pty.pause();
    else if (buffered < SOCKET_LOW_WATER && uncommitted < UNCOMMITTED_HIGH_WATER / 2) this.pty.resume();
  }

  private detach(ws: WebSocket): void {
    if (ws !== this.controller) return;
    this.controller = undefined;
    this.updateFlow();
    this.graceEndsAt = this.services.deadlines.now() + this.services.timing.disconnectGraceMs;
    this.sleep();
  }

  /**
   * Before killing at the end of the window, asks whether an extension moved it
   * and its message is still on the way. No answer in time (Postgres away, a
   * connection hung) counts as none: the session ends.
   */
  private async timeUp(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.services.timing.endCheckTimeoutMs ?? END_CHECK_TIMEOUT_MS);
    });
    const end = await Promise.race([this.services.currentEnd?.(this), giveUp]).catch(() => undefined);
    clearTimeout(timer);
    this.checkingEnd = false;
    if (end && end.getTime() > Date.now()) {
      this.moveEnd(end);
      // Also when the extension's notice already moved the end while this asked (moveEnd then does nothing):
      // the end was left out of the deadlines while asking, and goes back in now.
      this.sleep();
    } else void this.end('expired');
  }

  private send(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  }
}
