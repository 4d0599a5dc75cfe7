// Keeps the search index (recording_lines) up to date from committed chunks.
// It runs beside the terminal, never in it: a keystroke's commit does no extra
// work; every second (and at once while there is a backlog) the indexer reads
// the chunks committed since its cursor for each session not yet done, turns
// them into lines and writes lines and cursor in one transaction. One replica
// indexes at a time (a transaction-scoped advisory lock); a crash loses nothing
// (the cursor moves with the lines it produced).
import type { PrismaClient } from '../db/client.js';
import { linesOf } from './search-fns.js';

const LOCK_KEY = 14_000_014;
const EMPTY = Buffer.alloc(0);

export interface IndexerOptions {
  intervalMs: number;
  sessionsPerTick: number;
  chunksPerSession: number;
}

type Work = { id: string; ended: boolean; next_seq: number; carry_in: Uint8Array | null; carry_out: Uint8Array | null };
type Chunk = { seq: number; at_ms: number; kind: string; data: Uint8Array };

export class RecordingIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly opts: IndexerOptions,
    private readonly log: (msg: string) => void,
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

  /** One pass over the sessions with unindexed chunks; `more` when a batch was full. */
  async tick(): Promise<{ lines: number; more: boolean }> {
    return this.prisma.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS locked`;
        if (!lock?.locked) return { lines: 0, more: false };
        // Read "ended" before the chunks: a session ends only after its last chunk is committed.
        const work = await tx.$queryRaw<Work[]>`
        SELECT s.id, s.ended_at IS NOT NULL AS ended, COALESCE(c.next_seq, 0) AS next_seq, c.carry_in, c.carry_out
        FROM sessions s LEFT JOIN recording_search_cursors c ON c.session_id = s.id
        WHERE c.done IS NOT TRUE ORDER BY s.started_at LIMIT ${this.opts.sessionsPerTick}`;
        let lines = 0;
        let more = work.length === this.opts.sessionsPerTick;
        for (const w of work) {
          const chunks = await tx.$queryRaw<Chunk[]>`
          SELECT seq, at_ms, kind, data FROM recording_chunks
          WHERE session_id = ${w.id}::uuid AND seq >= ${w.next_seq} ORDER BY seq LIMIT ${this.opts.chunksPerSession}`;
          const final = w.ended && chunks.length < this.opts.chunksPerSession;
          if (chunks.length === this.opts.chunksPerSession) more = true;
          if (chunks.length === 0 && !final) continue;
          const rows = { seq: [] as number[], at: [] as number[], kind: [] as string[], line: [] as string[] };
          const carry: Record<'i' | 'o', Buffer> = { i: EMPTY, o: EMPTY };
          for (const kind of ['i', 'o'] as const) {
            const mine = chunks.filter((c) => c.kind === kind);
            const previous = kind === 'i' ? w.carry_in : w.carry_out;
            const r = linesOf(
              kind,
              previous ? Buffer.from(previous) : EMPTY,
              mine.map((c) => Buffer.from(c.data)),
              final,
            );
            carry[kind] = r.carry;
            const last = chunks[chunks.length - 1];
            for (const l of r.lines) {
              const at = mine[l.chunk] ?? last;
              rows.seq.push(at?.seq ?? w.next_seq);
              rows.at.push(at?.at_ms ?? 0);
              rows.kind.push(kind);
              rows.line.push(l.line);
            }
          }
          if (rows.line.length) {
            await tx.$executeRaw`
            INSERT INTO recording_lines (session_id, seq, at_ms, kind, line)
            SELECT ${w.id}::uuid, t.seq, t.at_ms, t.kind, t.line
            FROM unnest(${rows.seq}::int[], ${rows.at}::int[], ${rows.kind}::text[], ${rows.line}::text[]) AS t(seq, at_ms, kind, line)`;
          }
          const next = chunks.length ? chunks[chunks.length - 1]!.seq + 1 : w.next_seq;
          await tx.$executeRaw`
          INSERT INTO recording_search_cursors (session_id, next_seq, carry_in, carry_out, done)
          VALUES (${w.id}::uuid, ${next}, ${carry.i}, ${carry.o}, ${final})
          ON CONFLICT (session_id) DO UPDATE SET next_seq = EXCLUDED.next_seq, carry_in = EXCLUDED.carry_in,
            carry_out = EXCLUDED.carry_out, done = EXCLUDED.done`;
          lines += rows.line.length;
        }
        return { lines, more };
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  }
}
