// What one indexer transaction writes: search lines and the cursors they move,
// each as one statement whatever the number of sessions (both the live feed
// and the read-back of stored chunks write through this).
import type pg from 'pg';

export class IndexBatch {
  private readonly lines = { session: [] as string[], seq: [] as number[], at: [] as number[], kind: [] as string[], line: [] as string[] };
  private readonly cursors = { session: [] as string[], next: [] as number[], carryIn: [] as Buffer[], carryOut: [] as Buffer[], done: [] as boolean[] };

  get lineCount(): number {
    return this.lines.line.length;
  }

  line(sessionId: string, seq: number, atMs: number, kind: 'i' | 'o', line: string): void {
    this.lines.session.push(sessionId);
    this.lines.seq.push(seq);
    this.lines.at.push(atMs);
    this.lines.kind.push(kind);
    this.lines.line.push(line);
  }

  cursor(sessionId: string, next: number, carry: Record<'i' | 'o', Buffer>, done: boolean): void {
    this.cursors.session.push(sessionId);
    this.cursors.next.push(next);
    this.cursors.carryIn.push(carry.i);
    this.cursors.carryOut.push(carry.o);
    this.cursors.done.push(done);
  }

  /** Inside the indexer's transaction (holding its lock); returns the number of lines written. */
  async write(client: pg.PoolClient): Promise<number> {
    const { lines, cursors } = this;
    if (lines.line.length) {
      await client.query(
        `INSERT INTO recording_lines (session_id, seq, at_ms, kind, line)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[])`,
        [lines.session, lines.seq, lines.at, lines.kind, lines.line],
      );
    }
    if (cursors.session.length) {
      await client.query(
        `INSERT INTO recording_search_cursors (session_id, next_seq, carry_in, carry_out, done)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::bytea[], $4::bytea[], $5::bool[])
         ON CONFLICT (session_id) DO UPDATE SET next_seq = EXCLUDED.next_seq, carry_in = EXCLUDED.carry_in,
           carry_out = EXCLUDED.carry_out, done = EXCLUDED.done`,
        [cursors.session, cursors.next, cursors.carryIn, cursors.carryOut, cursors.done],
      );
    }
    return lines.line.length;
  }
}
