// `npx tsx bench/search.ts [--sessions=10000] [--lines=60] [--runs=7]`
// Search across sessions on a year of recordings: N sessions with L text lines
// each in recording_lines, a rare command planted in one session in a thousand,
// and the broker's own search query (src/search/search-service.ts), timed
// against a reference measured in the same run on the same data: the same
// query with the trigram index switched off (a sequential scan, what ILIKE
// costs without it). Also times the indexer turning committed chunks into lines.
import { performance } from 'node:perf_hooks';
import { connect } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { INDEXER_DEFAULTS, RecordingIndexer } from '../src/search/recording-indexer.js';
import { searchService } from '../src/search/search-service.js';
import { startPostgres } from './setup.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SESSIONS = arg('sessions', 10_000);
const LINES = arg('lines', 60);
const RUNS = arg('runs', 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pgs = await startPostgres();
const url = await pgs.database();
await migrate(url);
const db = connect(url, 4);
const { pool, prisma } = db;
try {
  const t0 = performance.now();
  await pool.query(`
    INSERT INTO users (id, username, password_hash, roles) VALUES ('00000000-0000-4000-8000-000000000001', 'alice', 'x', '{requester}');
    INSERT INTO images (id, name, version, source) VALUES ('00000000-0000-4000-8000-000000000002', 'web', '1', 'x');
    INSERT INTO hosts (id, name, environment, image_id, connector) VALUES ('00000000-0000-4000-8000-000000000003', 'prod-web-1', 'production', '00000000-0000-4000-8000-000000000002', 'local');
    INSERT INTO access_requests (id, host_id, requester_id, reason, duration_minutes, status, approvals_required, pending_until)
      VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000001', 'bench', 30, 'closed', 1, now());`);
  // A year of sessions, each with LINES lines of shell-like text.
  await pool.query(
    `
    INSERT INTO sessions (id, request_id, host_id, user_id, broker_id, cols, rows, started_at, ended_at, end_reason)
    SELECT md5('s' || n)::uuid, '00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003',
           '00000000-0000-4000-8000-000000000001', 'bench', 120, 40, now() - n * interval '52 minutes', now() - n * interval '52 minutes' + interval '10 minutes', 'exit'
    FROM generate_series(1, $1::int) n`,
    [SESSIONS],
  );
  await pool.query('DROP INDEX recording_lines_line_trgm');
  await pool.query(
    `
    INSERT INTO recording_lines (session_id, seq, at_ms, kind, line)
    SELECT md5('s' || n)::uuid, l, l * 1000, CASE WHEN l % 3 = 0 THEN 'i' ELSE 'o' END,
      CASE WHEN l = 7 AND n % 1000 = 0 THEN 'sudo systemctl restart nginx'
           WHEN l % 3 = 0 THEN (ARRAY['ls -la /var/log', 'tail -n 200 /var/log/nginx/error.log', 'df -h', 'ps aux | grep java', 'journalctl -u app --since today'])[1 + (n + l) % 5]
           ELSE 'alice@prod-web-1:~$ ' || md5(n::text || ':' || l::text) || ' ' || md5(l::text) END
    FROM generate_series(1, $1::int) n, generate_series(1, $2::int) l`,
    [SESSIONS, LINES],
  );
  await pool.query('CREATE INDEX recording_lines_line_trgm ON recording_lines USING GIN (line gin_trgm_ops)');
  await pool.query('ANALYZE recording_lines; ANALYZE sessions');
  const setupMs = performance.now() - t0;

  const search = searchService(prisma);
  const q = { q: 'systemctl restart' };
  const ours: number[] = [];
  const reference: number[] = [];
  let hits = 0;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    hits = (await search.recordings(q)).length;
    ours.push(performance.now() - t);
    t = performance.now();
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_bitmapscan = off');
      await tx.$executeRawUnsafe('SET LOCAL enable_indexscan = off');
      const refHits = (await searchService(tx as unknown as typeof prisma).recordings(q)).length;
      if (refHits !== hits) throw new Error(`reference found ${refHits}, search ${hits}`);
    });
    reference.push(performance.now() - t);
  }

  // The indexer: 200 sessions of committed chunks (40 KiB of output each) into lines. Chunks go in
  // while the sessions are open (a trigger refuses chunks after a session's end), then they end.
  const indexed = `SELECT md5('s' || n)::uuid FROM generate_series(1, 200) n`;
  await pool.query(`UPDATE sessions SET ended_at = NULL, end_reason = NULL WHERE id IN (${indexed})`);
  await pool.query(`
    INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash)
    SELECT md5('s' || n)::uuid, c, c * 10, CASE WHEN c % 4 = 0 THEN 'i' ELSE 'o' END,
      convert_to(CASE WHEN c % 4 = 0 THEN 'ls -la' || chr(13) ELSE repeat('output line ' || c || chr(13) || chr(10), 50) END, 'UTF8'), '\\x00'
    FROM generate_series(1, 200) n, generate_series(0, 99) c`);
  await pool.query(`UPDATE sessions SET ended_at = started_at + interval '10 minutes', end_reason = 'exit' WHERE id IN (${indexed})`);
  await pool.query(`DELETE FROM recording_search_cursors`);
  await pool.query(
    `INSERT INTO recording_search_cursors (session_id, next_seq, carry_in, carry_out, done) SELECT id, 0, '', '', true FROM sessions WHERE id NOT IN (SELECT md5('s' || n)::uuid FROM generate_series(1, 200) n)`,
  );
  const indexer = new RecordingIndexer(pool, INDEXER_DEFAULTS, () => {});
  const before = Number((await pool.query('SELECT count(*) FROM recording_lines')).rows[0].count);
  const ti = performance.now();
  for (let more = true; more; ) more = (await indexer.tick()).more;
  const indexMs = performance.now() - ti;
  const produced = Number((await pool.query('SELECT count(*) FROM recording_lines')).rows[0].count) - before;
  const chunkBytes = Number((await pool.query('SELECT sum(length(data)) FROM recording_chunks')).rows[0].sum);

  const result = {
    sessions: SESSIONS,
    lines: SESSIONS * LINES,
    hits,
    setupSeconds: +(setupMs / 1000).toFixed(1),
    searchMedianMs: +median(ours).toFixed(2),
    seqScanMedianMs: +median(reference).toFixed(2),
    speedup: +(median(reference) / median(ours)).toFixed(1),
    indexer: {
      chunks: 20_000,
      mib: +(chunkBytes / 1048576).toFixed(1),
      lines: produced,
      seconds: +(indexMs / 1000).toFixed(2),
      mibPerSecond: +(chunkBytes / 1048576 / (indexMs / 1000)).toFixed(1),
    },
  };
  console.log(`search across ${SESSIONS} sessions (${SESSIONS * LINES} lines): "${q.q}" → ${hits} hits`);
  console.log(
    `  trigram index: median ${result.searchMedianMs} ms; sequential scan (reference, same run): ${result.seqScanMedianMs} ms; ratio ${result.speedup}x faster`,
  );
  console.log(
    `  indexer: ${result.indexer.mib} MiB of committed chunks → ${produced} lines in ${result.indexer.seconds} s (${result.indexer.mibPerSecond} MiB/s)`,
  );
  console.log(JSON.stringify(result));
} finally {
  await db.close();
  await pgs.stop();
}
