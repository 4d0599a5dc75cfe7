// One writer for all sessions of a broker: every pending chunk of every session
// is committed together (group commit). While a batch commits, new bytes pile
// up and become the next, larger batch, so throughput grows with load and an
// idle session's first byte is written at once.
//
// Chunks go in as multi-row INSERTs whose bytea values are bound one parameter
// each: node-postgres sends a Buffer parameter in binary, whereas an array of
// Buffers (the unnest form) is escaped to hex text, doubling the bytes on the
// wire and costing both sides a parse (see the README's "Benchmarks").
import type pg from 'pg';
import type { ChunkRow } from './recording-fns.js';

export interface RecordingSink {
  /** Bytes accepted and not yet committed (for a sink not in flight: what a batch would take). */
  readonly uncommittedBytes: number;
  /** Hands over everything pending; called when a batch starts. */
  takeRows(): ChunkRow[];
  committed(rows: ChunkRow[]): void;
  failed(err: Error): void;
}

const COLUMNS = 6;
const SMALL = 1024; // a keystroke and its echo, a resize, a notice
const ROWS_PER_STATEMENT = 1000; // 6,000 parameters: well under Postgres's 65,535

function insertStatement(rows: ChunkRow[]): pg.QueryConfig {
  const values: unknown[] = [];
  const tuples = rows.map((r, i) => {
    values.push(r.sessionId, r.seq, r.atMs, r.kind, r.data, r.hash);
    const p = i * COLUMNS;
    return `($${p + 1}::uuid,$${p + 2}::int,$${p + 3}::int,$${p + 4},$${p + 5}::bytea,$${p + 6}::bytea)`;
  });
  return { text: `INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash) VALUES ${tuples.join(',')}`, values };
}

export class RecordingWriter {
  private readonly dirty = new Set<RecordingSink>();
  /** Sinks with a batch in flight: they join no other batch until it settles. */
  private readonly busy = new Set<RecordingSink>();
  private readonly running = { bulk: 0, small: 0 };
  private idleWaiters: (() => void)[] = [];
  bytesWritten = 0;
  /** Told how long each successful commit took (seconds): the metrics' histogram. */
  onCommit: ((seconds: number) => void) | undefined;

  /**
   * `bulkLanes` batches of anything, plus one lane for sessions with at most
   * 1 KiB pending, may commit at once, each on its own connection. A session is
   * in at most one batch, so its chunks still commit in order and a failed
   * batch leaves no gap; but a keystroke and its echo never queue behind the
   * output of busy sessions, and the fsyncs of concurrent commits overlap.
   */
  constructor(private readonly pool: pg.Pool, private readonly timeoutMs = 10_000, private readonly bulkLanes = 2) {}

  markDirty(sink: RecordingSink): void {
    this.dirty.add(sink);
    this.pump();
  }

  /** Resolves when everything marked so far has been committed or failed. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.dirty.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get inFlight(): number {
    return this.running.bulk + this.running.small;
  }

  private pump(): void {
    for (;;) {
      const lane = this.running.bulk < this.bulkLanes ? 'bulk' : this.running.small === 0 ? 'small' : undefined;
      if (!lane) return;
      const sinks = [...this.dirty].filter((s) => !this.busy.has(s) && (lane === 'bulk' || s.uncommittedBytes <= SMALL));
      if (sinks.length === 0) return;
      for (const s of sinks) {
        this.dirty.delete(s);
        this.busy.add(s);
      }
      this.running[lane]++;
      void this.commit(sinks.map((sink) => ({ sink, rows: sink.takeRows() }))).finally(() => {
        this.running[lane]--;
        for (const s of sinks) this.busy.delete(s);
        this.pump();
        if (this.inFlight === 0 && this.dirty.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async commit(batches: { sink: RecordingSink; rows: ChunkRow[] }[]): Promise<void> {
    const rows = batches.flatMap((b) => b.rows);
    let error: Error | undefined;
    try {
      const started = performance.now();
      if (rows.length > 0) await this.withTimeout(this.insert(rows));
      this.onCommit?.((performance.now() - started) / 1000);
      for (const r of rows) this.bytesWritten += r.data.length;
    } catch (err) {
      error = err as Error;
    }
    // Each session hears of its own batch; one whose handler throws is failed
    // (closed) alone, and cannot take the others down with it.
    for (const b of batches) {
      try {
        if (error) b.sink.failed(error);
        else b.sink.committed(b.rows);
      } catch (err) {
        if (!error) b.sink.failed(err as Error);
      }
    }
  }

  /** One statement, or one transaction of several when the batch is very large. */
  private async insert(rows: ChunkRow[]): Promise<void> {
    if (rows.length <= ROWS_PER_STATEMENT) {
      await this.pool.query(insertStatement(rows));
      return;
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await client.query(insertStatement(rows.slice(i, i + ROWS_PER_STATEMENT)));
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      // A connection in an unknown state is not returned to the pool.
      client.release(err as Error);
      throw err;
    }
  }

  private async withTimeout(work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`recording write took over ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
