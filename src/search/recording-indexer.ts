// Keeps the search index (recording_lines) up to date from committed chunks.
// It runs beside the terminal, never in it: a keystroke's commit does no extra
// work. Every second (and at once while there is a backlog) it first stores
// the lines this replica made of its own live sessions as their chunks were
// committed (LiveIndex), then reads back, from their cursors, the chunks of
// every other session not yet done: ended sessions, and live ones of a replica
// whose lease expired. Lines and cursors move together in one transaction, and
// one replica writes at a time (a transaction-scoped advisory lock): a crash
// loses nothing.
//
// The read-back is five statements a page of sessions (the lock, the work,
// every session's new chunks in one query, every line in one INSERT, every
// cursor in one upsert), on the broker's pg pool without Prisma: at 200
// streaming sessions a statement per session per tick was half of the broker's
// and Postgres's CPU (README, "Benchmarks").
import pg from 'pg';
import { guardCheckedOut } from '../db/client.js';
import { IndexBatch } from './index-batch.js';
import type { LiveIndex } from './live-index.js';
import { linesOf } from './search-fns.js';

const LOCK_KEY = 14_000_014;
const EMPTY = Buffer.alloc(0);

export interface IndexerOptions {
  intervalMs: number;
  sessionsPerTick: number;
  chunksPerSession: number;
  /** A session's chunks read in one tick stop after the one that reaches this many bytes. */
  bytesPerSession: number;
}

/**
 * The broker's settings. Pages of 50 sessions and 256 KiB each: at 500
 * streaming sessions, pages of 200 and 1 MiB held the broker's event loop (and
 * Postgres) for 100-170 ms a second, and keystrokes waited behind them.
 */
export const INDEXER_DEFAULTS: IndexerOptions = { intervalMs: 1000, sessionsPerTick: 50, chunksPerSession: 5000, bytesPerSession: 256 << 10 };

/** Result types of a binary-format query: bytea as the Buffer it is (pg-types has no binary bytea parser), the rest as pg-types parses them. */
const BINARY_BYTEA = {
  getTypeParser: (oid: number, format?: string) =>
    oid === BYTEA && format === 'binary' ? (value: Buffer) => value : pg.types.getTypeParser(oid, format as 'text'),
};
const BYTEA = 17;

type Page = { lines: number; more: boolean; last?: { startedAt: string; id: string } };
type Work = { id: string; started_at: string; ended: boolean; next_seq: number; carry_in: Buffer | null; carry_out: Buffer | null };
type Chunk = { session_id: string; seq: number; at_ms: number; kind: string; data: Buffer; upto: string };

export class RecordingIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: IndexerOptions,
    private readonly log: (msg: string) => void,
    /** Lines of this broker's own live sessions, made as their chunks were committed. */
    private readonly live?: LiveIndex,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        (r) => this.schedule(r.more ? 0 : this.opts.intervalMs),
        (err: Error) => {
          this.log(`search indexer: ${err.message}`);
          this.schedule(this.opts.intervalMs);
        },
      );
    }, ms);
  }

  /**
   * One pass over every session with unindexed chunks, a page of
   * sessionsPerTick sessions at a time (each page its own transaction), so
   * that no session waits behind older live ones; `more` when a read was cut
   * short by the limits (the next tick runs at once).
   */
  async tick(): Promise<{ lines: number; more: boolean }> {
    let after: Page['last'];
    let lines = 0;
    if (this.live?.size) lines += await this.flushLive(this.live);
    let more = false;
    for (;;) {
      const page = await this.inTransaction((client) => this.page(client, after));
      await new Promise((resolve) => setImmediate(resolve)); // the terminals' reads and commits come first
      lines += page.lines;
      more ||= page.more;
      if (!page.last) return { lines, more };
      after = page.last;
    }
  }

  private async flushLive(live: LiveIndex): Promise<number> {
    await live.digest();
    try {
      const lines = await this.inTransaction(async (client) => {
        const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [LOCK_KEY]);
        return lock.rows[0]?.locked ? live.flush(client) : 0;
      });
      live.committed();
      return lines;
    } catch (err) {
      live.rolledBack();
      throw err;
    }
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = guardCheckedOut(await this.pool.connect());
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      client.release(err as Error); // in an unknown state: not reused
      throw err;
    }
  }

  /** The sessions after `after` (in start order): their new chunks into lines, their cursors moved. */
  private async page(client: pg.PoolClient, after: Page['last']): Promise<Page> {
    const { opts } = this;
    const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [LOCK_KEY]);
    if (!lock.rows[0]?.locked) return { lines: 0, more: false };
    // Read "ended" before the chunks: a session ends only after its last chunk is committed.
    const { rows: work } = await client.query<Work>(
      `SELECT s.id, s.started_at::text, s.ended_at IS NOT NULL AS ended, COALESCE(c.next_seq, 0) AS next_seq, c.carry_in, c.carry_out
       FROM sessions s LEFT JOIN recording_search_cursors c ON c.session_id = s.id
       WHERE c.done IS NOT TRUE AND (s.started_at, s.id) > ($2::timestamptz, $3::uuid)
         -- A live session of a live replica is indexed by that replica, from memory (LiveIndex).
         AND (s.ended_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM brokers b WHERE b.id = s.broker_id AND b.lease_until > now()))
       ORDER BY s.started_at, s.id LIMIT $1`,
      [opts.sessionsPerTick, after?.startedAt ?? '-infinity', after?.id ?? '00000000-0000-0000-0000-000000000000'],
    );
    if (work.length === 0) return { lines: 0, more: false };
    // `upto` counts the bytes up to and including each chunk (octet_length reads
    // the stored size, without decompressing): a session's read stops after the
    // chunk that reaches bytesPerSession.
    const read: pg.QueryConfig & { binary: boolean } = {
      text: `SELECT w.id::text AS session_id, c.seq, c.at_ms, c.kind::text, c.data, c.upto::text
       FROM unnest($1::uuid[], $2::int[]) AS w(id, next_seq)
       CROSS JOIN LATERAL (
         SELECT seq, at_ms, kind, data, sum(octet_length(data)) OVER (ORDER BY seq) AS upto
         FROM recording_chunks WHERE session_id = w.id AND seq >= w.next_seq ORDER BY seq LIMIT $3
       ) c
       WHERE c.upto - octet_length(c.data) < $4
       ORDER BY w.id, c.seq`,
      values: [work.map((w) => w.id), work.map((w) => w.next_seq), opts.chunksPerSession, opts.bytesPerSession],
      // The bytes come back as they are, not hex-encoded by Postgres and decoded here.
      binary: true, // node-postgres's option, missing from its types
      types: BINARY_BYTEA,
    };
    const { rows: chunks } = await client.query<Chunk>(read);
    const bySession = new Map<string, Chunk[]>();
    for (const c of chunks) {
      const list = bySession.get(c.session_id);
      if (list) list.push(c);
      else bySession.set(c.session_id, [c]);
    }
    const batch = new IndexBatch();
    let more = false;
    for (const w of work) {
      const mine = bySession.get(w.id) ?? [];
      const last = mine.at(-1);
      // Everything after the cursor was read unless the count or the byte limit stopped the read.
      const complete = mine.length < opts.chunksPerSession && (!last || Number(last.upto) < opts.bytesPerSession);
      if (!complete) more = true;
      const final = w.ended && complete;
      if (mine.length === 0 && !final) continue;
      const carry: Record<'i' | 'o', Buffer> = { i: EMPTY, o: EMPTY };
      for (const kind of ['i', 'o'] as const) {
        const ofKind = mine.filter((c) => c.kind === kind);
        const previous = kind === 'i' ? w.carry_in : w.carry_out;
        const r = linesOf(
          kind,
          previous ?? EMPTY,
          ofKind.map((c) => c.data),
          final,
        );
        carry[kind] = r.carry;
        for (const l of r.lines) {
          const at = ofKind[l.chunk] ?? last;
          batch.line(w.id, at?.seq ?? w.next_seq, at?.at_ms ?? 0, kind, l.line);
        }
      }
      batch.cursor(w.id, last ? last.seq + 1 : w.next_seq, carry, final);
    }
    const lines = await batch.write(client);
    const last = work.at(-1)!;
    return { lines, more, last: work.length === opts.sessionsPerTick ? { startedAt: last.started_at, id: last.id } : undefined };
  }
}
