// Search lines of the sessions this broker runs, made from the committed chunks
// they were handed as they were acted on (kept by reference until the
// indexer's next tick, so the terminal's byte path only appends them to a
// list), so that the indexer does not read every recorded byte back from Postgres (at 500 streaming sessions that read-back was a tenth of
// the broker's main thread and kept keystrokes waiting; README, "Benchmarks").
// The lines are the ones the indexer would make from the database: the same
// linesOf, fed the same chunks in seq order with the same carries.
//
// The indexer writes them with the cursor (flush), under its advisory lock, and
// only where the stored cursor is where this feed started (a session whose
// cursor moved elsewhere is left to the database path). A session's last line
// and its `done` come from the database path once the session has ended: the
// end's own event is written by the end, not through here.
import type pg from 'pg';
import type { ChunkRow } from '../recording/recording-fns.js';
import { inSlices } from '../slices.js';
import { IndexBatch } from './index-batch.js';
import { linesOf } from './search-fns.js';

const EMPTY = Buffer.alloc(0);

interface Line {
  seq: number;
  atMs: number;
  kind: 'i' | 'o';
  line: string;
}

interface Feed {
  /** The cursor as stored (where the lines below start). */
  stored: number;
  /** The next seq expected from the writer. */
  next: number;
  carry: Record<'i' | 'o', Buffer>;
  /** Committed chunks not yet turned into lines (turned at the next flush). */
  rows: ChunkRow[];
  lines: Line[];
  ended: boolean;
  /** When the cursor was last stored (performance.now()). */
  storedAt: number;
}

/**
 * A session with no new line has its cursor stored at most this often: its
 * carry (up to 8 KiB per direction of a line that never ends, such as a
 * progress bar or a stream of bytes) is not rewritten every second. After a
 * crash the database path reads back at most this much more.
 */
const QUIET_CURSOR_MS = 10_000;

/** Longest run of digesting before the event loop gets a turn. */
const DIGEST_SLICE_MS = 4;

/** What one flush wrote of a feed: its first `lines` lines, up to seq `next`. */
interface Flushed {
  id: string;
  feed: Feed;
  lines: number;
  next: number;
}

export class LiveIndex {
  private readonly feeds = new Map<string, Feed>();

  /** Committed chunks of a session, in seq order from 0 (as TerminalSession acts on them): only kept here. */
  feed(sessionId: string, rows: ChunkRow[]): void {
    let f = this.feeds.get(sessionId);
    if (!f) {
      if (rows[0]?.seq !== 0) return; // not fed from the start (or dropped): the database path indexes it once it has ended
      f = { stored: 0, next: 0, carry: { i: EMPTY, o: EMPTY }, rows: [], lines: [], ended: false, storedAt: performance.now() };
      this.feeds.set(sessionId, f);
    }
    for (const r of rows) f.rows.push(r);
  }

  /** The session ended: its lines so far are flushed once more, then the database path finishes it. */
  end(sessionId: string): void {
    const f = this.feeds.get(sessionId);
    if (f) f.ended = true;
  }

  get size(): number {
    return this.feeds.size;
  }

  /**
   * Turns the kept chunks into lines (every tick, before the flush asks for the
   * indexer's lock), a slice of DIGEST_SLICE_MS at a time with a turn of the
   * event loop between slices: at 500 streaming sessions a second's chunks
   * were one task of 60-210 ms, and every keystroke behind it waited as long.
   */
  async digest(): Promise<void> {
    await inSlices([...this.feeds], DIGEST_SLICE_MS, ([id, f]) => {
      if (f.rows.length > 0 && this.feeds.get(id) === f) this.digestFeed(id, f);
    });
  }

  /**
   * A feed's kept chunks into lines, one linesOf per direction (its carry is
   * copied once, not once per chunk). A gap (never expected) drops the feed.
   */
  private digestFeed(id: string, f: Feed): void {
    const rows = f.rows.splice(0);
    for (const r of rows) {
      if (r.seq !== f.next) {
        this.feeds.delete(id); // the database path indexes it from the stored cursor once it has ended
        return;
      }
      f.next++;
    }
    for (const kind of ['i', 'o'] as const) {
      const ofKind = rows.filter((r) => r.kind === kind);
      if (ofKind.length === 0) continue;
      const out = linesOf(
        kind,
        f.carry[kind],
        ofKind.map((r) => r.data),
        false,
      );
      f.carry[kind] = out.carry;
      for (const l of out.lines) {
        const r = ofKind[l.chunk]!;
        f.lines.push({ seq: r.seq, atMs: r.atMs, kind, line: l.line });
      }
    }
  }

  /** Writes every fed session's new lines and cursor (inside the indexer's transaction, holding its lock). */
  async flush(client: pg.PoolClient): Promise<number> {
    const now = performance.now();
    // What came since digest(): a few chunks, at once (the lines must match the cursor written with them).
    for (const [id, f] of [...this.feeds]) if (f.rows.length > 0) this.digestFeed(id, f);
    const moved = [...this.feeds].filter(([, f]) => f.lines.length > 0 || f.ended || (f.next > f.stored && now - f.storedAt >= QUIET_CURSOR_MS));
    if (moved.length === 0) return 0;
    const { rows: stored } = await client.query<{ session_id: string; next_seq: number; done: boolean }>(
      'SELECT session_id::text, next_seq, done FROM recording_search_cursors WHERE session_id = ANY($1::uuid[])',
      [moved.map(([id]) => id)],
    );
    const cursorOf = new Map(stored.map((r) => [r.session_id, r]));
    const batch = new IndexBatch();
    const written: Flushed[] = [];
    for (const [id, f] of moved) {
      const c = cursorOf.get(id);
      if (c ? c.done || c.next_seq !== f.stored : f.stored !== 0) {
        this.feeds.delete(id); // indexed elsewhere meanwhile: not written twice
        continue;
      }
      for (const l of f.lines) batch.line(id, l.seq, l.atMs, l.kind, l.line);
      batch.cursor(id, f.next, f.carry, false);
      written.push({ id, feed: f, lines: f.lines.length, next: f.next });
    }
    const lines = await batch.write(client);
    // Only once the transaction commits does the stored cursor move: the caller calls committed() after COMMIT.
    this.pendingCommit = written;
    return lines;
  }

  private pendingCommit: Flushed[] = [];

  /** The flush's transaction committed: those lines are stored; ended sessions are left to the database path. */
  committed(): void {
    for (const { id, feed, lines, next } of this.pendingCommit.splice(0)) {
      feed.lines.splice(0, lines);
      feed.stored = next;
      feed.storedAt = performance.now();
      if (feed.ended && feed.next === next && feed.rows.length === 0) this.feeds.delete(id);
    }
  }

  /** The flush's transaction failed: nothing moved; the next flush writes the same lines again. */
  rolledBack(): void {
    this.pendingCommit = [];
  }
}
