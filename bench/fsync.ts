// The machine's floor for a durable write: fdatasync of an 8 KiB append, the
// size of a WAL page, in the temp directory the bench's Postgres lives in.
// A write-ahead keystroke echo costs two commits, so about two of these.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { percentiles, type Percentiles } from './echo.js';

export function fdatasyncTimes(writes = 500): Percentiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-bench-fsync-'));
  const fd = openSync(path.join(dir, 'wal'), 'w');
  const page = Buffer.alloc(8192, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < writes; i++) {
      writeSync(fd, page);
      const t0 = performance.now();
      fdatasyncSync(fd);
      samples.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return percentiles(samples);
}
