// One writer for all sessions of a broker: every pending chunk of every session
// goes into one multi-row INSERT (group commit). While a batch commits, new
// bytes pile up and become the next, larger batch, so throughput grows with
// load and an idle session's first byte is written at once.
import type pg from 'pg';
import type { ChunkRow } from './recording-fns.js';

export interface RecordingSink {
  /** Hands over everything pending; called when a batch starts. */
  takeRows(): ChunkRow[];
  committed(rows: ChunkRow[]): void;
  failed(err: Error): void;
}

const INSERT = `INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash)
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::bytea[], $6::bytea[])`;

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
      try {
        if (rows.length > 0) await this.insert(rows);
        for (const b of batches) b.sink.committed(b.rows);
      } catch (err) {
        for (const b of batches) b.sink.failed(err as Error);
      }
    }
    this.running = undefined;
  }

  private async insert(rows: ChunkRow[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`recording write took over ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([
        this.pool.query(INSERT, [
          rows.map((r) => r.sessionId), rows.map((r) => r.seq), rows.map((r) => r.atMs),
          rows.map((r) => r.kind), rows.map((r) => r.data), rows.map((r) => r.hash),
        ]),
        timeout,
      ]);
      for (const r of rows) this.bytesWritten += r.data.length;
    } finally {
      clearTimeout(timer);
    }
  }
}
