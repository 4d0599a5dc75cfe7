// Replay: a synthetic recording (1 hour, 100 MB by default) inserted directly,
// then the reads the web player makes: the first frame (the first range) and
// random seeks (ranges) through the API, against the same ranges read straight
// from Postgres (the floor the API can approach), plus the full download's
// time to first byte.
import { randomBytes } from 'node:crypto';
import { chunkHash, CHAIN_START, type ChunkKind } from '../src/recording/recording-fns.js';
import type { Api } from './setup.js';
import { log, median, row, type Row } from './stats.js';

export interface ReplayResult {
  seconds: number;
  bytes: number;
  chunks: number;
  firstFrameMs: number;
  firstFrameSqlMs: number;
  fullDownloadFirstByteMs: number;
  seekMs: { median: number; max: number; all: number[] };
  seekSqlMs: { median: number; max: number };
  windowSeconds: number;
}

const WINDOW = 10; // seconds the player fetches per seek

/** Printable lines with colour escapes, like a busy terminal, 4 KiB a chunk. */
function chunkText(i: number): Buffer {
  const line = `\x1b[32m${new Date(1_700_000_000_000 + i * 1000).toISOString()}\x1b[0m ${randomBytes(24).toString('base64')} chunk ${i}\r\n`;
  return Buffer.from(line.repeat(Math.ceil(4096 / line.length))).subarray(0, 4096);
}

async function insertSynthetic(api: Api, seconds: number, bytes: number): Promise<{ sessionId: string; chunks: number }> {
  const prisma = api.broker.db.prisma;
  const hostId = await api.newHost(`bench-replay-${Date.now()}`);
  const requestId = await api.grantHost(hostId);
  const alice = await prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  const startedAt = new Date(Date.now() - seconds * 1000);
  const session = await prisma.session.create({
    data: {
      requestId,
      hostId,
      userId: alice.id,
      brokerId: 'bench-synthetic',
      cols: 80,
      rows: 24,
      startedAt,
      endedAt: new Date(),
      endReason: 'exit',
      bytesOut: bytes,
    },
  });
  const chunks = Math.ceil(bytes / 4096);
  let prev: Buffer = CHAIN_START;
  const pool = api.broker.db.pool;
  for (let start = 0; start < chunks; start += 500) {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let seq = start; seq < Math.min(chunks, start + 500); seq++) {
      const atMs = Math.floor((seq * seconds * 1000) / chunks);
      const kind: ChunkKind = 'o';
      const data = chunkText(seq);
      prev = chunkHash(prev, seq, atMs, kind, data);
      const p = values.length;
      values.push(session.id, seq, atMs, kind, data, prev);
      tuples.push(`($${p + 1}::uuid,$${p + 2}::int,$${p + 3}::int,$${p + 4},$${p + 5}::bytea,$${p + 6}::bytea)`);
    }
    // A finished recording made up for the bench: the guard that refuses chunks after a
    // session's end is for brokers, not for this fixture (the bench connects as superuser).
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(`INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash) VALUES ${tuples.join(',')}`, values);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  await pool.query('ANALYZE recording_chunks');
  return { sessionId: session.id, chunks };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function replay(api: Api, opts: { seconds: number; bytes: number; seeks: number }): Promise<{ result: ReplayResult; rows: Row[] }> {
  const { sessionId, chunks } = await insertSynthetic(api, opts.seconds, opts.bytes);
  log(`replay: inserted ${chunks} chunks`);
  const headers = { authorization: `Bearer ${await api.token('dave')}` };
  const url = `${api.broker.url}/api/sessions/${sessionId}/recording`;
  const range = async (from: number) => {
    const res = await fetch(`${url}?from=${from}&to=${from + WINDOW}`, { headers });
    const text = await res.text();
    if (res.status !== 200 || text.split('\n').length < 3) throw new Error(`range ${from}: ${res.status} ${text.slice(0, 200)}`);
  };
  const sql = (from: number) =>
    api.broker.db.pool.query(`SELECT seq, at_ms, kind, data FROM recording_chunks WHERE session_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY seq`, [
      sessionId,
      from * 1000,
      (from + WINDOW) * 1000,
    ]);
  await range(0); // warm the connection and the route, as a player that has loaded the page
  const firsts: number[] = [];
  const firstsSql: number[] = [];
  for (let i = 0; i < 5; i++) {
    firsts.push(await timed(() => range(0)));
    firstsSql.push(await timed(() => sql(0)));
  }
  const firstFrameMs = median(firsts);
  const firstFrameSqlMs = median(firstsSql);
  const fullDownloadFirstByteMs = await timed(async () => {
    const res = await fetch(url, { headers });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
  });
  const seekMs: number[] = [];
  const seekSqlMs: number[] = [];
  for (let i = 0; i < opts.seeks; i++) {
    const from = Math.floor(Math.random() * (opts.seconds - WINDOW));
    seekMs.push(await timed(() => range(from)));
    seekSqlMs.push(await timed(() => sql(from)));
  }
  const result: ReplayResult = {
    seconds: opts.seconds,
    bytes: opts.bytes,
    chunks,
    firstFrameMs,
    firstFrameSqlMs,
    fullDownloadFirstByteMs,
    seekMs: { median: median(seekMs), max: Math.max(...seekMs), all: seekMs },
    seekSqlMs: { median: median(seekSqlMs), max: Math.max(...seekSqlMs) },
    windowSeconds: WINDOW,
  };
  const mb = Math.round(opts.bytes / 1e6);
  const rows = [
    row('replay', `first frame (${WINDOW} s range) of ${mb} MB, median of 5`, 'ms', firstFrameMs, firstFrameSqlMs, 'SQL'),
    row('replay', `seek, median of ${opts.seeks}`, 'ms', result.seekMs.median, result.seekSqlMs.median, 'SQL'),
    row('replay', `seek, slowest of ${opts.seeks}`, 'ms', result.seekMs.max, result.seekSqlMs.max, 'SQL'),
    row('replay', 'full download, first byte', 'ms', fullDownloadFirstByteMs),
  ];
  return { result, rows };
}
