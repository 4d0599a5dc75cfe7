// One writer for all sessions of a broker: every pending chunk of every session
// is committed together (group commit). While a batch commits, new bytes pile
// up and become the next, larger batch, so throughput grows with load and an
// idle session's first byte is written at once.
//
// Durability without queueing keystrokes behind bulk output. A session's bytes
// are acted on (forwarded, written to the pty) only once they are durable, and
// durability is reached in one of two ways:
//
// - Small batches of interactive sessions (typed into within the last
//   second, with <= 1 KiB pending: a keystroke, its echo) commit
//   synchronously on their own lane: the commit returns once its WAL is
//   flushed, and the rows are released at once. Output of sessions nobody
//   types into goes the bulk way however small its pieces, so the
//   synchronous lane stays a few rows long beside hundreds of streaming
//   sessions (all of them there made each keystroke wait for an INSERT of
//   hundreds of rows).
// - Bulk batches commit asynchronously: each is one COPY statement (its own
//   transaction) on one of the writer's own connections, whose session has
//   `synchronous_commit = off` (never a pooled connection, which the
//   synchronous path shares), or, in the writer's unit tests, a transaction
//   with `SET LOCAL synchronous_commit = off`. The statement (COMMIT) returns
//   as soon as the commit record is in the WAL buffers, without waiting
//   for a flush (Postgres commits an implicit transaction before it reports
//   the statement complete: exec_simple_query's finish_xact_command). Their rows are held until a synchronous commit that was
//   *issued after* that COMMIT returned has itself returned: a keystroke's, or
//   a fence (a one-row synchronous UPDATE of recording_fences) sent at most
//   every fenceIntervalMs (10 ms) while such batches wait. Bulk batches
//   themselves start at most every bulkIntervalMs (10 ms).
//
// Why that is enough (PostgreSQL docs, "Asynchronous Commit" and
// synchronous_commit; RecordTransactionCommit in Postgres's xact.c):
// 1. A synchronous commit returns only after the WAL up to its own commit
//    record is flushed (XLogFlush(lsn) flushes *all* WAL before lsn: the WAL is
//    one sequential log, written and flushed in order).
// 2. An asynchronous COMMIT that has returned has inserted its commit record;
//    a statement sent after that inserts its commit record later, at a higher
//    LSN. So once the later synchronous commit returns, the earlier
//    asynchronous one is flushed too.
// 3. After a crash, recovery replays WAL up to the last flushed record, in
//    commit order: a flushed asynchronous commit is recovered, whatever its mode.
// 4. A transaction that writes no WAL (e.g. only reads, or only takes an xid)
//    is committed without a flush whatever synchronous_commit says, so the
//    fence must change a row; and the server's synchronous_commit must not be
//    `off` for the synchronous path (checked by verifyDurability()).
// A session is in at most one batch in flight, and its batches are released
// in the order they committed, so its chunks are acted on in seq order and a
// failed batch leaves no gap (the session fails: nothing after it is acted on).
//
// A small synchronous batch goes in as one multi-row INSERT whose bytea values
// are bound one parameter each (node-postgres sends a Buffer parameter in
// binary, whereas an array of Buffers, the unnest form, is escaped to hex
// text). Every batch written in a transaction (bulk output, and a synchronous
// batch of more than 1,000 rows) goes in as binary COPY (chunk-copy.ts): no SQL
// or parameters parsed per row, ~0.7x the Postgres CPU and ~0.6x the writer's
// CPU per GB of INSERT's (README, "Benchmarks"). COPY is one statement of the
// same transaction, so what is said above of its commit holds unchanged; the
// rows and their hashes are the same, and row triggers run as for INSERT.
import pg from 'pg';
import { guardCheckedOut } from '../db/client.js';
import { inSlices } from '../slices.js';
import { copyRows } from './chunk-copy.js';
import type { ChunkRow } from './recording-fns.js';

export interface RecordingSink {
  /** Bytes accepted and not yet durable (for a sink not in flight: what a batch would take). */
  readonly uncommittedBytes: number;
  /** Typed into lately: its small batches take the synchronous lane. */
  readonly interactive: boolean;
  /** Hands over everything pending; called when a batch starts. */
  takeRows(): ChunkRow[];
  /** The rows are durable: act on them. */
  committed(rows: ChunkRow[]): void;
  failed(err: Error): void;
}

export interface RecordingWriterOptions {
  /** A write (or a fence) that takes longer fails its sessions. */
  timeoutMs?: number;
  /** Bulk batches that may commit at once, each on its own connection. */
  bulkLanes?: number;
  /** This writer's row in recording_fences (the broker id). */
  writerId?: string;
  /** Least time between the starts of two fences. */
  fenceIntervalMs?: number;
  /** Least time between the starts of two bulk batches. */
  bulkIntervalMs?: number;
  /**
   * Fault injection for the crash-under-load test only (a broker never sets it):
   * forward asynchronous batches as soon as their COMMIT returns, without
   * waiting for a later synchronous commit (a broken writer the test must catch).
   */
  faultForwardUnfenced?: boolean;
  /** Transactions write with binary COPY (default) rather than INSERTs (the writer's unit tests, whose pool speaks no COPY). */
  bulkCopy?: boolean;
}

const WRITER_DEFAULTS: Required<RecordingWriterOptions> = {
  timeoutMs: 10_000,
  bulkLanes: 2,
  writerId: 'default',
  fenceIntervalMs: 10,
  bulkIntervalMs: 10,
  faultForwardUnfenced: false,
  bulkCopy: true,
};

interface Batch {
  sink: RecordingSink;
  rows: ChunkRow[];
}

const COLUMNS = 6;
const SMALL = 1024; // a keystroke and its echo, a resize, a notice
/** Longest run of taking rows, or of acting on committed ones, before the event loop gets a turn. */
const SLICE_MS = 3;
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

const FENCE_SQL = `INSERT INTO recording_fences (writer_id, fenced_at) VALUES ($1, now())
  ON CONFLICT (writer_id) DO UPDATE SET fenced_at = excluded.fenced_at`;

export class RecordingWriter {
  private readonly dirty = new Set<RecordingSink>();
  /** Sinks with a batch in flight: they join no other batch until it has committed. */
  private readonly busy = new Set<RecordingSink>();
  private readonly failedSinks = new WeakSet<RecordingSink>();
  private readonly running = { bulk: 0, small: 0 };
  /** Asynchronously committed batches in commit order, each with its mark (1, 2, ...). */
  private awaiting: { mark: number; batches: Batch[] }[] = [];
  private asyncCommits = 0;
  private readonly fence = { inFlight: false, timer: undefined as NodeJS.Timeout | undefined, lastStart: 0 };
  private idleWaiters: (() => void)[] = [];
  private readonly opts: Required<RecordingWriterOptions>;
  bytesWritten = 0;
  /** Told how long each successful commit took (seconds) and whether it was synchronous: the metrics' histogram. */
  onCommit: ((seconds: number, synchronous: boolean) => void) | undefined;
  fences = 0;

  constructor(
    private readonly pool: pg.Pool,
    opts: RecordingWriterOptions = {},
  ) {
    this.opts = { ...WRITER_DEFAULTS, ...opts };
  }

  /** The synchronous path is only synchronous if the server's default says so. */
  async verifyDurability(): Promise<void> {
    const { rows } = await this.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (rows[0]?.synchronous_commit === 'off') {
      throw new Error(
        'Postgres has synchronous_commit = off for the broker: recordings would not be durable before being acted on. Set it to on (or local, remote_write, remote_apply).',
      );
    }
  }

  markDirty(sink: RecordingSink): void {
    this.dirty.add(sink);
    // One pump per turn of the event loop, after all the reads of that turn
    // (not one scan of every dirty session per pty read: O(n²) at 500 sessions).
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(this.queuedPump);
  }

  private pumpQueued = false;
  private bulkStart = 0;
  private bulkTimer: NodeJS.Timeout | undefined;
  private readonly pacedPump = () => {
    this.bulkTimer = undefined;
    this.pump();
  };
  private readonly bulkIdle: pg.Client[] = [];
  private closed = false;
  private readonly queuedPump = () => {
    this.pumpQueued = false;
    this.pump();
  };

  /** Resolves when everything marked so far is durable or failed. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get isIdle(): boolean {
    return this.running.bulk + this.running.small === 0 && this.dirty.size === 0 && this.awaiting.length === 0 && !this.fence.inFlight && !this.draining;
  }

  private checkIdle(): void {
    if (this.isIdle) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Small sinks go to the synchronous lane, the others to the bulk (asynchronous) lanes. */
  private pump(): void {
    for (const lane of ['small', 'bulk'] as const) {
      while (this.running[lane] < (lane === 'bulk' ? this.opts.bulkLanes : 1)) {
        const sinks = [...this.dirty].filter((s) => !this.busy.has(s) && (s.interactive && s.uncommittedBytes <= SMALL) === (lane === 'small'));
        if (sinks.length === 0) break;
        if (lane === 'bulk') {
          // Paced: bulk output waits for a fence anyway, and a batch every few
          // ms (not as fast as round trips allow) costs both sides less CPU.
          const wait = this.bulkStart + this.opts.bulkIntervalMs - performance.now();
          if (wait > 0) {
            this.bulkTimer ??= setTimeout(this.pacedPump, wait);
            break;
          }
          this.bulkStart = performance.now();
        }
        for (const s of sinks) {
          this.dirty.delete(s);
          this.busy.add(s);
        }
        this.running[lane]++;
        void (lane === 'small' ? this.commitSync(sinks.map((sink) => ({ sink, rows: sink.takeRows() }))) : this.commitAsync(sinks)).finally(() => {
          this.running[lane]--;
          for (const s of sinks) this.busy.delete(s);
          this.pump();
          this.checkIdle();
        });
      }
    }
  }

  private async commitSync(batches: Batch[]): Promise<void> {
    const covers = this.asyncCommits; // every async batch that has returned by now
    const rows = batches.flatMap((b) => b.rows);
    // No rows, no commit: nothing is proven durable. (A sink is marked dirty again when bytes
    // come while a bulk batch is taking rows; that batch may take them, leaving it with none.)
    if (rows.length === 0) return this.release(batches, true);
    try {
      await this.withTimeout(this.insert(rows, true));
    } catch (err) {
      this.settle(batches, err as Error);
      return;
    }
    this.durableUpTo(covers);
    this.release(batches, true);
  }

  private async commitAsync(sinks: RecordingSink[]): Promise<void> {
    // Hundreds of sessions' rows (each hashed into its chain) are taken a slice at a time.
    const batches: Batch[] = [];
    await inSlices(sinks, SLICE_MS, (sink) => batches.push({ sink, rows: sink.takeRows() }));
    const rows = batches.flatMap((b) => b.rows);
    if (rows.length === 0) return this.settle(batches);
    try {
      await this.withTimeout(this.insert(rows, false));
    } catch (err) {
      this.settle(batches, err as Error);
      return;
    }
    if (this.opts.faultForwardUnfenced) {
      ++this.asyncCommits;
      return this.release(batches); // broken on purpose: not yet durable
    }
    this.awaiting.push({ mark: ++this.asyncCommits, batches });
    this.scheduleFence();
  }

  /** A synchronous commit issued after async batch `mark` returned has returned: those batches are durable. */
  private durableUpTo(mark: number): void {
    while (this.awaiting.length > 0 && this.awaiting[0]!.mark <= mark) this.release(this.awaiting.shift()!.batches);
    if (this.awaiting.length === 0) {
      clearTimeout(this.fence.timer);
      this.fence.timer = undefined;
    }
  }

  private scheduleFence(): void {
    if (this.fence.inFlight || this.fence.timer || this.awaiting.length === 0) return;
    const wait = Math.max(0, this.fence.lastStart + this.opts.fenceIntervalMs - performance.now());
    this.fence.timer = setTimeout(() => {
      this.fence.timer = undefined;
      void this.runFence();
    }, wait);
  }

  private async runFence(): Promise<void> {
    if (this.awaiting.length === 0) return this.checkIdle();
    this.fence.inFlight = true;
    this.fence.lastStart = performance.now();
    const covers = this.asyncCommits;
    try {
      // A named statement: each connection parses and plans the fence once, not every few milliseconds.
      await this.withTimeout(this.pool.query({ name: 'recording-fence', text: FENCE_SQL, values: [this.opts.writerId] }).then(() => {}));
      this.fences++;
      this.durableUpTo(covers);
    } catch (err) {
      // Durability of those batches is unknown: their sessions fail closed.
      while (this.awaiting.length > 0 && this.awaiting[0]!.mark <= covers) this.settle(this.awaiting.shift()!.batches, err as Error);
    } finally {
      this.fence.inFlight = false;
      this.scheduleFence();
      this.checkIdle();
    }
  }

  /**
   * Durable batches are acted on in commit order, a slice of SLICE_MS at a time
   * with a turn of the event loop between slices: a fence releases hundreds of
   * sessions' output at once (at 500 streaming sessions, 25-120 ms of sends),
   * and a keystroke read meanwhile is not kept waiting behind all of it. A
   * synchronous batch (`now`: a keystroke, its echo) of a session with nothing
   * queued is acted on at once; any other goes behind, so each session still
   * acts on its chunks in seq order.
   */
  private release(batches: Batch[], now = false): void {
    for (const b of batches) {
      if (now && !this.queued.has(b.sink)) {
        this.settle([b]);
        continue;
      }
      this.releasing.push(b);
      this.queued.set(b.sink, (this.queued.get(b.sink) ?? 0) + 1);
    }
    if (this.releasing.length > 0 && !this.draining) {
      this.draining = true;
      setImmediate(this.drain);
    }
  }

  private readonly releasing: Batch[] = [];
  /** How many batches of each sink wait in `releasing`. */
  private readonly queued = new Map<RecordingSink, number>();
  private draining = false;

  private readonly drain = () => {
    const sliceStart = performance.now();
    let n = 0;
    while (n < this.releasing.length && performance.now() - sliceStart < SLICE_MS) {
      const b = this.releasing[n++]!;
      const left = this.queued.get(b.sink)! - 1;
      if (left === 0) this.queued.delete(b.sink);
      else this.queued.set(b.sink, left);
      this.settle([b]);
    }
    this.releasing.splice(0, n);
    if (this.releasing.length > 0) {
      setImmediate(this.drain);
      return;
    }
    this.draining = false;
    this.checkIdle();
  };

  /** Each session hears of its own batch; one whose handler throws is failed alone. */
  private settle(batches: Batch[], error?: Error): void {
    for (const b of batches) {
      if (this.failedSinks.has(b.sink)) continue;
      try {
        if (error) throw error;
        for (const r of b.rows) this.bytesWritten += r.data.length;
        b.sink.committed(b.rows);
      } catch (err) {
        this.failedSinks.add(b.sink);
        b.sink.failed(err as Error);
      }
    }
  }

  /** One transaction: a single statement when synchronous and small enough, else BEGIN ... COMMIT. */
  private async insert(rows: ChunkRow[], synchronous: boolean): Promise<void> {
    const started = performance.now();
    await this.insertRows(rows, synchronous);
    this.onCommit?.((performance.now() - started) / 1000, synchronous);
  }

  private async insertRows(rows: ChunkRow[], synchronous: boolean): Promise<void> {
    if (synchronous && rows.length <= ROWS_PER_STATEMENT) {
      await this.pool.query(insertStatement(rows));
      return;
    }
    if (!synchronous && this.opts.bulkCopy) {
      // One round trip pair (COPY, its data) instead of BEGIN, COPY, COMMIT.
      const client = await this.bulkClient();
      try {
        await copyRows(client, rows);
      } catch (err) {
        client.end().catch(() => {}); // in an unknown state: not reused
        throw err;
      }
      if (this.closed) client.end().catch(() => {});
      else this.bulkIdle.push(client);
      return;
    }
    const client = guardCheckedOut(await this.pool.connect());
    try {
      await client.query(synchronous ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
      if (this.opts.bulkCopy) await copyRows(client, rows);
      else for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await client.query(insertStatement(rows.slice(i, i + ROWS_PER_STATEMENT)));
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      // A connection in an unknown state is not returned to the pool.
      client.release(err as Error);
      throw err;
    }
  }

  /** An idle connection of the writer's own for bulk batches: its session commits asynchronously. */
  private async bulkClient(): Promise<pg.Client> {
    const idle = this.bulkIdle.pop();
    if (idle) return idle;
    const client = new pg.Client({ ...this.pool.options, application_name: 'breakglass-recording-bulk' });
    client.on('error', () => {}); // a lost connection fails the batch using it
    try {
      await client.connect();
      await client.query('SET synchronous_commit = off');
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  /** Closes the writer's own connections (after idle()). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.bulkTimer);
    await Promise.all(this.bulkIdle.splice(0).map((c) => c.end().catch(() => {})));
  }

  private async withTimeout(work: Promise<void>): Promise<void> {
    work.catch(() => {}); // a write that fails after its timeout has already failed its sessions
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`recording write took over ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
