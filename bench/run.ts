// `npm run bench [-- --quick] [-- --only=throughput,echo,concurrency,replay,api,storage] [-- --profile]`
// (also --bytes=, --rounds=, --storage-bytes=, --levels=50,100, --out=file.json):
// runs each benchmark against its reference in the same run, prints medians
// and ratios as a table and as JSON, and writes bench/results/<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Api, startBrokerProcess, startPostgres } from './setup.js';
import { row, table, type Row } from './stats.js';
import { startRelay } from './terminals.js';
import { apiBench } from './api.js';
import { concurrency } from './concurrency.js';
import { echo } from './echo.js';
import { fdatasyncTimes } from './fsync.js';
import { replay } from './replay.js';
import { storage } from './storage.js';
import { throughput } from './throughput.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const profile = args.includes('--profile');
const want = (name: string) => !only || only.includes(name);

const numberArg = (name: string) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : undefined;
};
const sizes = quick
  ? {
      throughputBytes: 1_000_000,
      rounds: 1,
      keystrokes: 20,
      levels: [3],
      writes: 5,
      replaySeconds: 60,
      replayBytes: 500_000,
      apiSeconds: 1,
      storageBytes: 2_000_000,
    }
  : {
      throughputBytes: 200_000_000,
      rounds: 3,
      keystrokes: 2000,
      levels: [50, 200, 500, 1000],
      writes: 100,
      replaySeconds: 3600,
      replayBytes: 100_000_000,
      apiSeconds: 10,
      storageBytes: 50_000_000,
    };
const levels = args.find((a) => a.startsWith('--levels='));
if (levels) sizes.levels = levels.slice(9).split(',').map(Number);
sizes.throughputBytes = numberArg('bytes') ?? sizes.throughputBytes;
sizes.rounds = numberArg('rounds') ?? sizes.rounds;
sizes.storageBytes = numberArg('storage-bytes') ?? sizes.storageBytes;

const pgs = await startPostgres();
const broker = await startBrokerProcess(pgs, profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(import.meta.dirname, 'results')}`] : []);
const relay = await startRelay();
const api = new Api(broker);
const stopAll = async () => {
  await relay.stop();
  await broker.stop();
  await pgs.stop();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => void stopAll().finally(() => process.exit(130)));
}
const rows: Row[] = [];
// Each benchmark starts from a checkpoint rather than paying for the WAL of the one before.
const checkpoint = () => broker.db.pool.query('CHECKPOINT');
const results: Record<string, unknown> = { quick, startedAt: new Date().toISOString() };
const loadAtStart = loadavg();
try {
  if (want('throughput')) {
    await checkpoint();
    const r = await throughput(api, relay, { bytes: sizes.throughputBytes, rounds: sizes.rounds });
    results.throughput = r.result;
    rows.push(...r.rows);
    console.error(table(r.rows));
  }
  if (want('echo')) {
    await checkpoint();
    const r = await echo(api, relay, { keystrokes: sizes.keystrokes, rounds: sizes.rounds });
    // The floor of a write-ahead echo: two commits, each at least one fdatasync of this machine's disk.
    const fsync = fdatasyncTimes(sizes.keystrokes);
    results.echo = { ...r.result, fdatasync: fsync };
    r.rows.push(
      row('echo', 'cat p50 vs 2 fdatasyncs (p50)', 'ms', r.result.cat.broker.p50, 2 * fsync.p50, '2 fdatasync'),
      row('echo', 'cat p99 vs 2 fdatasyncs (p99)', 'ms', r.result.cat.broker.p99, 2 * fsync.p99, '2 fdatasync'),
    );
    rows.push(...r.rows);
    console.error(table(r.rows));
  }
  if (want('concurrency')) {
    await checkpoint();
    const r = await concurrency(api, relay, { levels: sizes.levels, bytesPerWrite: 4096, writes: sizes.writes, intervalMs: 100 });
    results.concurrency = r.result;
    rows.push(...r.rows);
    console.error(table(r.rows));
  }
  if (want('storage')) {
    const r = await storage(broker.db.pool, { bytes: sizes.storageBytes });
    results.storage = r.result;
    rows.push(...r.rows);
    console.error(table(r.rows));
  }
  if (want('replay')) {
    await checkpoint();
    const r = await replay(api, { seconds: sizes.replaySeconds, bytes: sizes.replayBytes, seeks: 10 });
    results.replay = r.result;
    rows.push(...r.rows);
    console.error(table(r.rows));
  }
  if (want('api')) {
    await checkpoint();
    const r = await apiBench(api, { durationSeconds: sizes.apiSeconds, connections: 10 });
    results.api = r.result;
    rows.push(...r.rows);
    console.error(table(r.rows));
  }
} finally {
  await stopAll();
}

results.loadAverage = { start: loadAtStart, end: loadavg() };
console.log(table(rows));
// The machine is shared: the figures mean little without the load they were taken under.
console.log(
  `load average (1, 5, 15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(JSON.stringify(results, null, 2));
const out = args.find((a) => a.startsWith('--out='))?.slice(6);
const dir = path.join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(out ?? path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`), JSON.stringify(results, null, 2));
