// The search indexer reads every session's new chunks in one statement, a
// bounded number of chunks and bytes per session per tick. However the reads
// are cut, the lines it writes are the lines of the whole recording, each
// once, and a session is marked done only once its end and its last chunk
// have been read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import type { ChunkKind, ChunkRow } from '../../src/recording/recording-fns.js';
import { LiveIndex } from '../../src/search/live-index.js';
import { INDEXER_DEFAULTS, RecordingIndexer } from '../../src/search/recording-indexer.js';
import { freshDatabase } from '../helpers/database.js';

const ids = { user: '00000000-0000-4000-8000-000000000001', image: '00000000-0000-4000-8000-000000000002', host: '00000000-0000-4000-8000-000000000003' };
const request = '00000000-0000-4000-8000-000000000004';
const session = (n: number) => `00000000-0000-4000-8000-1000000000${String(n).padStart(2, '0')}`;

async function seed(pool: pg.Pool, sessions: number): Promise<void> {
  await pool.query(`
    INSERT INTO users (id, username, password_hash, roles) VALUES ('${ids.user}', 'alice', 'x', '{requester}');
    INSERT INTO images (id, name, version, source) VALUES ('${ids.image}', 'web', '1', 'x');
    INSERT INTO hosts (id, name, environment, image_id, connector) VALUES ('${ids.host}', 'prod-web-1', 'production', '${ids.image}', 'local');
    INSERT INTO access_requests (id, host_id, requester_id, reason, duration_minutes, status, approvals_required, pending_until)
      VALUES ('${request}', '${ids.host}', '${ids.user}', 'test', 30, 'closed', 1, now());`);
  for (let n = 0; n < sessions; n++) {
    await pool.query(
      `INSERT INTO sessions (id, request_id, host_id, user_id, broker_id, cols, rows, started_at)
       VALUES ($1, '${request}', '${ids.host}', '${ids.user}', 'test', 120, 40, now() - $2 * interval '1 minute')`,
      [session(n), sessions - n],
    );
  }
}

/** Session n's recording: typed commands, output lines split across chunks, a line left open at the end. */
function chunksOf(n: number): { kind: string; data: string }[] {
  const out: { kind: string; data: string }[] = [];
  for (let c = 0; c < 12; c++) {
    out.push({ kind: 'i', data: `echo s${n}-cmd${c}\r` });
    out.push({ kind: 'o', data: `s${n}-out${c}-a\r\ns${n}-out${c}-` });
    out.push({ kind: 'm', data: 'a notice' });
    out.push({ kind: 'o', data: `b\r\n${'x'.repeat(100 * (c % 3))}` });
  }
  out.push({ kind: 'o', data: `\r\ns${n}-tail` });
  return out;
}

async function append(pool: pg.Pool, n: number, from: number, to: number): Promise<void> {
  const all = chunksOf(n);
  for (let seq = from; seq < to; seq++) {
    await pool.query(`INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash) VALUES ($1, $2, $2, $3, $4, '\\x00')`, [
      session(n),
      seq,
      all[seq]!.kind,
      Buffer.from(all[seq]!.data),
    ]);
  }
}

/** Session n's chunks from..to as the writer commits them. */
function rowsOf(n: number, from: number, to: number): ChunkRow[] {
  return chunksOf(n)
    .slice(from, to)
    .map((c, i) => ({ sessionId: session(n), seq: from + i, atMs: from + i, kind: c.kind as ChunkKind, data: Buffer.from(c.data), hash: Buffer.alloc(32) }));
}

async function linesBySession(pool: pg.Pool): Promise<Map<string, string[]>> {
  const { rows } = await pool.query<{ session_id: string; kind: string; line: string }>(
    'SELECT session_id, kind, line FROM recording_lines ORDER BY session_id, seq, kind, id',
  );
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.session_id, [...(map.get(r.session_id) ?? []), `${r.kind}:${r.line}`]);
  return map;
}

/** Every session's cursor is past its last chunk and done. */
async function assertAllDone(pool: pg.Pool, sessions: number, total: number): Promise<void> {
  const cursors = await pool.query<{ next_seq: number; done: boolean }>('SELECT next_seq, done FROM recording_search_cursors');
  assert.deepEqual(
    cursors.rows.map((r) => [r.next_seq, r.done]),
    Array.from({ length: sessions }, () => [total, true]),
  );
}

/** The index emptied and made again from the database alone, with the broker's limits: its lines, and the ticks it took. */
async function reindexedFromDatabase(pool: pg.Pool): Promise<{ lines: Map<string, string[]>; ticks: number }> {
  await pool.query('DELETE FROM recording_lines; DELETE FROM recording_search_cursors');
  const ticks = await drain(new RecordingIndexer(pool, INDEXER_DEFAULTS, () => {}));
  return { lines: await linesBySession(pool), ticks };
}

/** Ticks until nothing is left (as the broker does, at once while `more`); the number of ticks. */
async function drain(indexer: RecordingIndexer): Promise<number> {
  for (let ticks = 1; ticks <= 100; ticks++) if (!(await indexer.tick()).more) return ticks;
  throw new Error('the indexer still had more after 100 ticks');
}

test('cut reads index every line once, and a session is done only after its end and its last chunk', { timeout: 60_000 }, async (t) => {
  const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 });
  t.after(() => pool.end());
  await migrate(pool.options.connectionString!);
  const sessions = 3;
  await seed(pool, sessions);
  const total = chunksOf(0).length;
  const half = Math.floor(total / 2);
  // Half of each recording, live.
  for (let n = 0; n < sessions; n++) await append(pool, n, 0, half);
  // Tiny limits: 5 chunks or 40 bytes per session per tick, 2 sessions per tick.
  const small = new RecordingIndexer(pool, { ...INDEXER_DEFAULTS, sessionsPerTick: 2, chunksPerSession: 5, bytesPerSession: 40 }, () => {});
  await small.tick();
  const started = await pool.query('SELECT count(*)::int AS n FROM recording_search_cursors');
  assert.equal(started.rows[0].n, sessions, 'one tick reads every live session, not only the oldest sessionsPerTick');
  const ticks = 1 + (await drain(small));
  assert.ok(ticks > 3, `the limits cut the reads into several ticks (${ticks})`);
  const done = await pool.query('SELECT count(*)::int AS n FROM recording_search_cursors WHERE done');
  assert.equal(done.rows[0].n, 0, 'no live session is done');

  // The rest, then the end (the end is written after the last chunk).
  for (let n = 0; n < sessions; n++) await append(pool, n, half, total);
  await pool.query(`UPDATE sessions SET ended_at = now(), end_reason = 'exit'`);
  await drain(small);
  const cut = await linesBySession(pool);
  await assertAllDone(pool, sessions, total);

  // The same recordings indexed with the broker's limits, in one read each.
  const whole = await reindexedFromDatabase(pool);
  assert.equal(whole.ticks, 1);
  assert.deepEqual(cut, whole.lines);

  const lines = cut.get(session(1))!;
  assert.equal(lines.filter((l) => l === 'i:echo s1-cmd3').length, 1);
  assert.equal(lines.filter((l) => l === 'o:s1-out3-b').length, 1, 'a line split across chunks is one line');
  assert.ok(lines.includes('o:s1-tail'), 'the open line at the end is indexed once the session is done');
  assert.equal(lines.length, 12 * 3 + 2, 'and the line the tail ends');
});

test("a live session's lines are made from its committed chunks, not read back; the database path finishes it after its end", {
  timeout: 60_000,
}, async (t) => {
  const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 });
  t.after(() => pool.end());
  await migrate(pool.options.connectionString!);
  const sessions = 3;
  await seed(pool, sessions);
  // The sessions' broker is alive: the database path leaves their live sessions to it.
  await pool.query(`INSERT INTO brokers (id, started_at, heartbeat_at, lease_until) VALUES ('test', now(), now(), now() + interval '1 hour')`);
  const live = new LiveIndex();
  const indexer = new RecordingIndexer(pool, INDEXER_DEFAULTS, () => {}, live);
  const total = chunksOf(0).length;
  const half = Math.floor(total / 2);

  // Nothing is in recording_chunks yet: what the tick writes can only come from the feed.
  for (let n = 0; n < sessions; n++) live.feed(session(n), rowsOf(n, 0, half));
  await drain(indexer);
  const early = await linesBySession(pool);
  assert.ok(early.get(session(2))?.includes('i:echo s2-cmd3'), 'lines of the fed chunks are searchable while the session runs');
  assert.ok(!early.get(session(2))?.includes('i:echo s2-cmd11'), 'nothing beyond what was fed');

  // The rest, committed (and stored, as the writer does), then the end; the end's own event is stored only.
  for (let n = 0; n < sessions; n++) {
    live.feed(session(n), rowsOf(n, half, total - 1));
    await append(pool, n, 0, total);
  }
  await drain(indexer);
  await pool.query(`UPDATE sessions SET ended_at = now(), end_reason = 'exit'`);
  for (let n = 0; n < sessions; n++) live.end(session(n));
  await drain(indexer);
  assert.equal(live.size, 0, 'ended sessions leave the feed');
  const fed = await linesBySession(pool);
  await assertAllDone(pool, sessions, total);

  // The same recordings indexed from the database alone give the same lines.
  assert.deepEqual(fed, (await reindexedFromDatabase(pool)).lines);
  assert.ok(fed.get(session(1))!.includes('o:s1-tail'));
});

test('a feed whose cursor was moved by another replica is dropped, and no line is written twice', { timeout: 60_000 }, async (t) => {
  const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 });
  t.after(() => pool.end());
  await migrate(pool.options.connectionString!);
  await seed(pool, 1);
  const total = chunksOf(0).length;
  // The broker's lease has expired: another replica's database path indexes the session meanwhile.
  await pool.query(`INSERT INTO brokers (id, started_at, heartbeat_at, lease_until) VALUES ('test', now(), now(), now() - interval '1 minute')`);
  await append(pool, 0, 0, total);
  const live = new LiveIndex();
  live.feed(session(0), rowsOf(0, 0, total));
  await drain(new RecordingIndexer(pool, INDEXER_DEFAULTS, () => {}));
  const before = await linesBySession(pool);
  await drain(new RecordingIndexer(pool, INDEXER_DEFAULTS, () => {}, live));
  assert.equal(live.size, 0);
  assert.deepEqual(await linesBySession(pool), before);
});
