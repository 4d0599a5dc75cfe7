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
  /** Hands over everything pending; called when a batch starts. */
  takeRows(): ChunkRow[];
  committed(rows: ChunkRow[]): void;
  failed(err: Error): void;
}

const COLUMNS = 6;
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
  private running: Promise<void> | undefined;
  bytesWritten = 0;

  constructor(private readonly pool: pg.Pool, private readonly timeoutMs = 10_000) {}

  markDirty(sink: RecordingSink): void {
    this.dirty.add(sink);
    this.running ??= this.run();
  }

  /** Resolves when everything marked so far has been committed or failed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    while (this.dirty.size > 0) {
      const batches = [...this.dirty].map((sink) => ({ sink, rows: sink.takeRows() }));
      this.dirty.clear();
      const rows = batches.flatMap((b) => b.rows);
      let error: Error | undefined;
      try {
        if (rows.length > 0) await this.withTimeout(this.insert(rows));
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
    this.running = undefined;
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
