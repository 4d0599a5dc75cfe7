// Concurrency: N sessions at once, each streaming output at a steady rate,
// plus one interactive session typing into `cat`; per level, the broker's and
// the bare relay's aggregate rate, CPU, RSS (idle, per session), Postgres
// bytes written, bytes lost and the interactive echo p99. Memory is read
// twice: RSS as the system sees it, and (in a pass of idle sessions of its own)
// the JavaScript heap kept after a full collection (bench/inspector.ts), which
// does not move with the garbage.
import type { Database } from '../src/db/client.js';
import { EchoProbe, percentiles } from './echo.js';
import { heapAfterCollection } from './inspector.js';
import { PayloadCounter } from './payload.js';
import { cpuSeconds, postgresCpuMeter, rssBytes } from './proc.js';
import { recordedOutput, type Api } from './setup.js';
import { log, row, type Row } from './stats.js';
import { atPrompt, brokerTerminal, socketTerminal, waitFor, type RelayProcess, type Terminal } from './terminals.js';

export interface LevelResult {
  sessions: number;
  offeredMBps: number;
  aggregateMBps: number;
  seconds: number;
  cpuCores: number;
  postgresCpuCores: number;
  rssMB: number;
  idleRssPerSessionKB: number;
  /** RSS added per session by the second half of the sessions (the interactive one included). */
  marginalRssPerSessionKB: number;
  /** JavaScript heap kept per idle session, read after a full collection (bench/inspector.ts), and the same for the second half. */
  heapPerSessionKB: number;
  marginalHeapPerSessionKB: number;
  /** JavaScript heap given back per session when the idle sessions close: what a session itself keeps, without the one-time costs (code compiled as it warms up, bounded caches) that the figures above include. */
  heapReleasedPerSessionKB: number;
  postgresWalMB?: number;
  recordingTableMB?: number;
  /** Postgres transactions committed per second in the broker's database during the level. */
  postgresCommitsPerSecond?: number;
  bytesLost: number;
  echo: { p50: number; p99: number; max: number; keystrokes: number };
}

export interface ConcurrencyOptions {
  levels: number[];
  bytesPerWrite: number;
  writes: number;
  intervalMs: number;
}

/**
 * Steady output: one write of `bytes` every `intervalMs`, `writes` times, between the markers. Python
 * starts first and says READY, then waits for a line: the level is measured from the line on, so the
 * start-up of hundreds of interpreters (seconds of CPU on two cores) is not part of the steady load.
 */
function steadyCommand(o: ConcurrencyOptions): string {
  const py = [
    'import sys,time',
    'sys.stdout.write("RE"+"ADY");sys.stdout.flush();sys.stdin.readline()',
    'sys.stdout.write("ST"+"ART")',
    `for _ in range(${o.writes}):\n sys.stdout.write("b"*${o.bytesPerWrite});sys.stdout.flush();time.sleep(${o.intervalMs / 1000})`,
    'sys.stdout.write("EN"+"D");sys.stdout.flush()',
  ].join('\n');
  return `python3 -c $'${py}'\r`;
}

/** Between one keystroke's echo and the next keystroke: about a fast typist's pace. */
const KEYSTROKE_GAP_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function walBytes(db: Database): Promise<{ wal: number; table: number; commits: number }> {
  // Transactions committed in the broker's database (recording batches, fences, and everything else the broker does).
  await db.pool.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.pool.query<{ wal: string; table: string; commits: string }>(
    `SELECT (SELECT wal_bytes FROM pg_stat_wal)::text AS wal, pg_total_relation_size('recording_chunks')::text AS table,
       (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::text AS commits`,
  );
  return { wal: Number(rows[0]!.wal), table: Number(rows[0]!.table), commits: Number(rows[0]!.commits) };
}

type IdleHeap = Pick<LevelResult, 'heapPerSessionKB' | 'marginalHeapPerSessionKB' | 'heapReleasedPerSessionKB'>;

/**
 * The heap kept per idle session, in a pass of its own before the level: N
 * sessions opened, the heap read after a full collection at 0, N/2 and N,
 * then closed and read once more (what closing gave back). Not read in the
 * level itself: a full collection just before the streaming shrank the heap,
 * and the collections while it grew back slowed the streaming that the level
 * measures (echo p99 ~2× worse, 0.83× the relay's bytes).
 */
async function idleHeap(n: number, open: () => Promise<Terminal>, inspector: string): Promise<IdleHeap> {
  const heap0 = await heapAfterCollection(inspector);
  const half = Math.floor(n / 2);
  let heapHalf = heap0;
  const terms: Terminal[] = [];
  for (let i = 0; i < n; i++) {
    if (i === half) heapHalf = await heapAfterCollection(inspector);
    terms.push(await atPrompt(open()));
  }
  const heapFull = await heapAfterCollection(inspector);
  for (const t of terms) t.send('exit\r');
  await Promise.all(terms.map((t) => t.closed));
  const heapClosed = await heapAfterCollection(inspector);
  return {
    heapPerSessionKB: (heapFull - heap0) / n / 1024,
    marginalHeapPerSessionKB: (heapFull - heapHalf) / (n - half) / 1024,
    heapReleasedPerSessionKB: (heapFull - heapClosed) / n / 1024,
  };
}

async function level(n: number, open: () => Promise<Terminal>, pid: number, heap: IdleHeap, o: ConcurrencyOptions, db?: Database): Promise<LevelResult> {
  const rss0 = rssBytes(pid);
  const terms: Terminal[] = [];
  const counters: PayloadCounter[] = [];
  const prompts: Promise<void>[] = [];
  const half = Math.floor(n / 2);
  let rssHalf = rss0;
  for (let i = 0; i < n; i++) {
    if (i === half) {
      // The marginal cost: the second half's sessions against the first half's (one-time costs, such as code first run, fall in the first).
      await Promise.all(prompts);
      await sleep(1000);
      rssHalf = rssBytes(pid);
    }
    const t = await open();
    const c = new PayloadCounter('b');
    t.onData((d) => c.feed(d));
    prompts.push(waitFor(t, ':~', 120_000));
    terms.push(t);
    counters.push(c);
  }
  await Promise.all(prompts);
  const interactive = await open();
  await waitFor(interactive, ':~');
  const catStarted = waitFor(interactive, 'cat\r\n');
  interactive.send('cat\r');
  await catStarted;
  await sleep(1000);
  const rssFull = rssBytes(pid);
  const idleRssPerSessionKB = (rssFull - rss0) / (n + 1) / 1024;
  const marginalRssPerSessionKB = (rssFull - rssHalf) / (n + 1 - half) / 1024;

  const command = steadyCommand(o);
  const ready = terms.map((t) => waitFor(t, 'READY', 120_000));
  for (const t of terms) t.send(command);
  await Promise.all(ready);
  const probe = new EchoProbe(interactive);
  // Start each level from a fresh checkpoint, so that it does not pay for the WAL
  // of the benchmarks before it (a checkpoint under load stalled commits ~2 s once).
  if (db) await db.pool.query('CHECKPOINT');
  const before = db ? await walBytes(db) : undefined;
  const cpu0 = cpuSeconds(pid);
  const postgresCpu = db ? await postgresCpuMeter(db.pool) : () => 0; // the relay has no Postgres
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 200);
  const t0 = performance.now();
  for (const t of terms) t.send('\r');
  const streaming = Promise.all(counters.map((c) => c.done));
  let finished = false;
  void streaming.then(() => (finished = true));
  const samples: number[] = [];
  while (!finished) samples.push(...(await probe.keystrokes(1, KEYSTROKE_GAP_MS)));
  await streaming;
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpu = cpuSeconds(pid) - cpu0;
  const pgCpu = postgresCpu();
  const after = db ? await walBytes(db) : undefined;

  const expected = o.bytesPerWrite * o.writes;
  let bytesLost = counters.reduce((sum, c) => sum + Math.max(0, expected - c.payload), 0);
  interactive.send('\x04');
  for (const t of [...terms, interactive]) t.send('exit\r');
  await Promise.all([...terms, interactive].map((t) => t.closed));
  if (db) {
    for (let i = 0; i < n; i++) {
      const recorded = await recordedOutput(db, terms[i]!.sessionId!);
      if (recorded.sha256 !== counters[i]!.sha256) bytesLost += Math.max(1, Math.abs(counters[i]!.received - recorded.bytes));
    }
  }
  const e = percentiles(samples);
  return {
    sessions: n,
    offeredMBps: (n * o.bytesPerWrite * 1000) / o.intervalMs / 1e6,
    aggregateMBps: (n * expected) / 1e6 / seconds,
    seconds,
    cpuCores: cpu / seconds,
    postgresCpuCores: pgCpu / seconds,
    rssMB: rssPeak / 1e6,
    idleRssPerSessionKB,
    marginalRssPerSessionKB,
    ...heap,
    postgresWalMB: before && after ? (after.wal - before.wal) / 1e6 : undefined,
    recordingTableMB: before && after ? (after.table - before.table) / 1e6 : undefined,
    postgresCommitsPerSecond: before && after ? (after.commits - before.commits) / seconds : undefined,
    bytesLost,
    echo: { p50: e.p50, p99: e.p99, max: Math.max(...samples), keystrokes: samples.length },
  };
}

export async function concurrency(
  api: Api,
  relay: RelayProcess,
  o: ConcurrencyOptions,
): Promise<{ result: { broker: LevelResult[]; relay: LevelResult[]; options: ConcurrencyOptions }; rows: Row[] }> {
  const result = { broker: [] as LevelResult[], relay: [] as LevelResult[], options: o };
  const rows: Row[] = [];
  for (const n of o.levels) {
    const openRelay = () => socketTerminal(relay.url);
    const r = await level(n, openRelay, relay.pid, await idleHeap(n, openRelay, relay.inspector), o);
    log(`concurrency relay ${n}: ${JSON.stringify(r)}`);
    // The idle pass on a host of its own: the host its sessions touched is being replaced after them.
    const idleRequest = await api.grantHost(await api.newHost(`bench-idle-${n}-${Date.now()}`));
    const heap = await idleHeap(n, () => brokerTerminal(api, idleRequest), api.broker.inspector);
    const requestId = await api.grantHost(await api.newHost(`bench-concurrency-${n}-${Date.now()}`));
    const b = await level(n, () => brokerTerminal(api, requestId), api.broker.pid, heap, o, api.broker.db);
    log(`concurrency broker ${n}: ${JSON.stringify(b)}`);
    result.relay.push(r);
    result.broker.push(b);
    rows.push(
      row('concurrency', `${n} sessions: aggregate (offered ${b.offeredMBps.toFixed(1)})`, 'MB/s', b.aggregateMBps, r.aggregateMBps, 'relay'),
      row('concurrency', `${n} sessions: server CPU`, 'cores', b.cpuCores, r.cpuCores, 'relay'),
      row('concurrency', `${n} sessions: Postgres CPU`, 'cores', b.postgresCpuCores),
      row('concurrency', `${n} sessions: broker + Postgres CPU`, 'cores', b.cpuCores + b.postgresCpuCores, r.cpuCores, 'relay'),
      row('concurrency', `${n} sessions: server RSS peak`, 'MB', b.rssMB, r.rssMB, 'relay'),
      row('concurrency', `${n} sessions: RSS per idle session`, 'KB', b.idleRssPerSessionKB, r.idleRssPerSessionKB, 'relay'),
      row('concurrency', `${n} sessions: RSS per idle session, second half`, 'KB', b.marginalRssPerSessionKB, r.marginalRssPerSessionKB, 'relay'),
      row('concurrency', `${n} sessions: JS heap kept per idle session`, 'KB', b.heapPerSessionKB, r.heapPerSessionKB, 'relay'),
      row('concurrency', `${n} sessions: JS heap kept per idle session, second half`, 'KB', b.marginalHeapPerSessionKB, r.marginalHeapPerSessionKB, 'relay'),
      row('concurrency', `${n} sessions: JS heap given back per session at close`, 'KB', b.heapReleasedPerSessionKB, r.heapReleasedPerSessionKB, 'relay'),
      row('concurrency', `${n} sessions: Postgres WAL written`, 'MB', b.postgresWalMB ?? NaN),
      row('concurrency', `${n} sessions: recording table growth`, 'MB', b.recordingTableMB ?? NaN),
      row('concurrency', `${n} sessions: Postgres commits per second`, '/s', b.postgresCommitsPerSecond ?? NaN),
      row('concurrency', `${n} sessions: bytes lost`, 'B', b.bytesLost + r.bytesLost),
      row('concurrency', `${n} sessions: interactive echo p99`, 'ms', b.echo.p99, r.echo.p99, 'relay'),
    );
  }
  return { result, rows };
}
