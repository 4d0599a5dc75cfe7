// The recording of one live session: events wait here until the shared writer
// commits them, and only then are they acted on (forwarded to the browser,
// written to the pty). Nothing reaches or leaves the host unrecorded.
import { CHAIN_START, chunkHash, type ChunkKind, type ChunkRow } from './recording-fns.js';
import type { RecordingSink, RecordingWriter } from './recording-writer.js';

const MAX_CHUNK = 256 * 1024;
/** How long after a keystroke (or the start, or an attach) the session counts as interactive (its echo, prompt or answer is awaited). */
const INTERACTIVE_MS = 1000;

interface PendingEvent {
  kind: ChunkKind;
  atMs: number;
  parts: Buffer[];
  size: number;
}

export interface SessionRecordingEvents {
  committed(rows: ChunkRow[]): void;
  failed(err: Error): void;
}

export class SessionRecording implements RecordingSink {
  private pending: PendingEvent[] = [];
  private seq = 0;
  private prev: Buffer = CHAIN_START;
  private inFlight = 0;
  /** Made when first waited on (most sessions never are until their end). */
  private drainWaiters: (() => void)[] | undefined;
  private error: Error | undefined;
  /** Bytes accepted but not yet committed: the pty pauses when this grows. */
  uncommittedBytes = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Someone waits for this session's output: a keystroke, a new session's first prompt, a browser attaching. */
  private lastInputAt = performance.now();

  constructor(
    readonly sessionId: string,
    private readonly startedAt: number,
    private readonly writer: RecordingWriter,
    private readonly on: SessionRecordingEvents,
  ) {}

  get interactive(): boolean {
    return performance.now() - this.lastInputAt < INTERACTIVE_MS;
  }

  /** A browser attached and waits for its repaint and prompt. */
  markInteractive(): void {
    this.lastInputAt = performance.now();
  }

  get failedWith(): Error | undefined {
    return this.error;
  }

  push(kind: ChunkKind, data: Buffer): void {
    if (this.error || data.length === 0) return;
    if (kind === 'i') this.lastInputAt = performance.now();
    const last = this.pending.at(-1);
    if (last && last.kind === kind && (kind === 'o' || kind === 'i') && last.size + data.length <= MAX_CHUNK) {
      last.parts.push(data);
      last.size += data.length;
    } else {
      this.pending.push({ kind, atMs: Math.max(0, Date.now() - this.startedAt), parts: [data], size: data.length });
    }
    this.uncommittedBytes += data.length;
    this.writer.markDirty(this);
  }

  takeRows(): ChunkRow[] {
    const rows = this.pending.map((e) => {
      const data: Buffer = e.parts.length === 1 ? e.parts[0]! : Buffer.concat(e.parts, e.size);
      const hash = chunkHash(this.prev, this.seq, e.atMs, e.kind, data);
      this.prev = hash;
      return { sessionId: this.sessionId, seq: this.seq++, atMs: e.atMs, kind: e.kind, data, hash };
    });
    this.pending = [];
    this.inFlight += rows.length;
    return rows;
  }

  committed(rows: ChunkRow[]): void {
    this.inFlight -= rows.length;
    for (const r of rows) {
      this.uncommittedBytes -= r.data.length;
      if (r.kind === 'o') this.bytesOut += r.data.length;
      if (r.kind === 'i') this.bytesIn += r.data.length;
    }
    if (!this.error) this.on.committed(rows);
    this.settle();
  }

  failed(err: Error): void {
    this.inFlight = 0;
    this.pending = [];
    if (!this.error) {
      this.error = err;
      this.on.failed(err);
    }
    this.settle();
  }

  /** Resolves once nothing is pending or in flight. */
  drain(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  private settle(): void {
    if (this.pending.length > 0 || this.inFlight > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    for (const w of waiters ?? []) w();
  }
}
