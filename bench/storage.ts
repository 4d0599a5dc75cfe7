// Storage options of the recording column, side by side on one Postgres: the
// same chunks (4 KiB, written the way the recording writer writes them:
// multi-row INSERTs of 1,000 rows, one commit each) into a copy of
// recording_chunks with `data` compressed by pglz (the default), by lz4 (when
// the server is built with it), or not at all (STORAGE EXTERNAL). Reported per
// GB of terminal bytes: Postgres CPU, WAL written and table growth. Each
// option is also written with binary COPY (src/recording/chunk-copy.ts) in
// place of the INSERTs, with the bench process's own CPU (encoding) beside.
// Two kinds of output: text (the project's own sources: compressible like
// logs and listings) and random bytes (compressed or binary output).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { copyRows } from '../src/recording/chunk-copy.js';
import type { ChunkRow } from '../src/recording/recording-fns.js';
import { postgresCpuMeter } from './proc.js';
import { log, row, type Row } from './stats.js';

const CHUNK = 4096;
const ROWS = 1000;

export interface StorageResult {
  option: string;
  method: 'insert' | 'copy';
  clientCpuSecondsPerGB: number;
  data: string;
  megabytes: number;
  postgresCpuSecondsPerGB: number;
  walMBPerGB: number;
  tableMBPerGB: number;
  seconds: number;
}

function sourceText(bytes: number): Buffer {
  const root = path.resolve(import.meta.dirname, '../src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'generated') walk(p);
      } else if (name.endsWith('.ts')) files.push(p);
    }
  };
  walk(root);
  const text = Buffer.concat(files.map((f) => readFileSync(f)));
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += text.length) text.copy(out, at, 0, Math.min(text.length, bytes - at));
  return out;
}

async function lz4Supported(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'`);
  return rows[0]?.ok ?? false;
}

async function measure(pool: pg.Pool, option: string, method: 'insert' | 'copy', dataName: string, data: Buffer): Promise<StorageResult> {
  const table = `bench_storage_${option}`;
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.query(`CREATE TABLE ${table} (LIKE recording_chunks INCLUDING DEFAULTS INCLUDING INDEXES)`);
  if (option === 'lz4') await pool.query(`ALTER TABLE ${table} ALTER COLUMN data SET COMPRESSION lz4`);
  if (option === 'pglz') await pool.query(`ALTER TABLE ${table} ALTER COLUMN data SET COMPRESSION pglz`);
  if (option === 'none') await pool.query(`ALTER TABLE ${table} ALTER COLUMN data SET STORAGE EXTERNAL`);
  await pool.query('CHECKPOINT');
  const session = '00000000-0000-0000-0000-000000000001';
  const hash = Buffer.alloc(32);
  const lsn0 = (await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
  const postgresCpu = await postgresCpuMeter(pool);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  let seq = 0;
  if (method === 'copy') {
    const client = await pool.connect();
    try {
      for (let at = 0; at < data.length; at += CHUNK * ROWS) {
        const rows: ChunkRow[] = [];
        for (let i = 0; i < ROWS && at + i * CHUNK < data.length; i++)
          rows.push({ sessionId: session, seq: seq++, atMs: 0, kind: 'o', data: data.subarray(at + i * CHUNK, at + (i + 1) * CHUNK), hash });
        await copyRows(client, rows, table);
      }
    } finally {
      client.release();
    }
  }
  for (let at = 0; method === 'insert' && at < data.length; at += CHUNK * ROWS) {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let i = 0; i < ROWS && at + i * CHUNK < data.length; i++) {
      const p = tuples.length * 6;
      tuples.push(`($${p + 1}::uuid,$${p + 2}::int,$${p + 3}::int,$${p + 4},$${p + 5}::bytea,$${p + 6}::bytea)`);
      values.push(session, seq++, 0, 'o', data.subarray(at + i * CHUNK, at + (i + 1) * CHUNK), hash);
    }
    await pool.query(`INSERT INTO ${table} (session_id, seq, at_ms, kind, data, hash) VALUES ${tuples.join(',')}`, values);
  }
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu = postgresCpu();
  const { rows } = await pool.query<{ wal: string; size: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS wal, pg_total_relation_size($2)::text AS size`,
    [lsn0, table],
  );
  await pool.query(`DROP TABLE ${table}`);
  const gb = data.length / 1e9;
  return {
    option,
    method,
    clientCpuSecondsPerGB: (own.user + own.system) / 1e6 / gb,
    data: dataName,
    megabytes: data.length / 1e6,
    seconds,
    postgresCpuSecondsPerGB: cpu / gb,
    walMBPerGB: Number(rows[0]!.wal) / 1e6 / gb,
    tableMBPerGB: Number(rows[0]!.size) / 1e6 / gb,
  };
}

/** CPU is read from /proc for the bench's own embedded Postgres; with TEST_DATABASE_URL it is 0. */
export async function storage(pool: pg.Pool, opts: { bytes: number }): Promise<{ result: StorageResult[]; rows: Row[] }> {
  const options = ['pglz', ...((await lz4Supported(pool)) ? ['lz4'] : []), 'none'];
  const datasets: [string, Buffer][] = [
    ['text', sourceText(opts.bytes)],
    ['random', randomBytes(opts.bytes)],
  ];
  const result: StorageResult[] = [];
  const rows: Row[] = [];
  for (const [name, data] of datasets) {
    const byOption = new Map<string, StorageResult>();
    for (const option of options) {
      for (const method of ['insert', 'copy'] as const) {
        const r = await measure(pool, option, method, name, data);
        log(`storage ${option} ${method} ${name}: ${JSON.stringify(r)}`);
        byOption.set(`${option} ${method}`, r);
        result.push(r);
      }
    }
    const ref = byOption.get('pglz insert')!;
    for (const [option, r] of byOption) {
      const vs = option === 'pglz insert' ? [] : ([ref, 'pglz insert'] as const);
      rows.push(
        row('storage', `${name}, ${option}: Postgres CPU per GB`, 's', r.postgresCpuSecondsPerGB, vs[0]?.postgresCpuSecondsPerGB, vs[1]),
        row('storage', `${name}, ${option}: writer CPU per GB`, 's', r.clientCpuSecondsPerGB, vs[0]?.clientCpuSecondsPerGB, vs[1]),
        row('storage', `${name}, ${option}: seconds per GB`, 's', r.seconds / (r.megabytes / 1000), vs[0] && vs[0].seconds / (vs[0].megabytes / 1000), vs[1]),
        row('storage', `${name}, ${option}: table growth per GB`, 'MB', r.tableMBPerGB, vs[0]?.tableMBPerGB, vs[1]),
        row('storage', `${name}, ${option}: WAL per GB`, 'MB', r.walMBPerGB, vs[0]?.walMBPerGB, vs[1]),
      );
    }
  }
  return { result, rows };
}
