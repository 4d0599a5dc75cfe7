import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');

// The harness, not the figures: timings are never asserted in tests.
test('the benchmark harness runs end to end in --quick mode and loses no byte', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-bench-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'quick.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', `--out=${out}`], {
    cwd: root,
    env: { ...process.env, BENCH_SILENT: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);

  const r = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(Object.keys(r).sort(), ['api', 'concurrency', 'echo', 'loadAverage', 'quick', 'replay', 'startedAt', 'storage', 'throughput']);
  assert.deepEqual(Object.keys(r.throughput.mbPerSecond).sort(), ['broker', 'direct', 'relay']);
  assert.equal(r.throughput.bytesLost, 0);
  assert.equal(r.throughput.recordingMatches, true);
  for (const target of ['cat', 'bash']) {
    for (const p of ['direct', 'relay', 'broker']) assert.deepEqual(Object.keys(r.echo[target][p]).sort(), ['p50', 'p90', 'p99']);
  }
  for (const level of [...r.concurrency.broker, ...r.concurrency.relay]) {
    assert.equal(level.bytesLost, 0);
    for (const key of ['sessions', 'aggregateMBps', 'cpuCores', 'rssMB', 'idleRssPerSessionKB', 'marginalRssPerSessionKB', 'echo'])
      assert.ok(key in level, key);
    // Read through each process's inspector after a full collection (bench/inspector.ts).
    for (const key of ['heapPerSessionKB', 'marginalHeapPerSessionKB']) assert.ok(Number.isFinite(level[key]), `${key}: ${level[key]}`);
  }
  assert.ok('postgresWalMB' in r.concurrency.broker[0]);
  assert.ok('postgresCommitsPerSecond' in r.concurrency.broker[0]);
  assert.deepEqual(Object.keys(r.loadAverage).sort(), ['end', 'start']);
  assert.deepEqual(Object.keys(r.echo.fdatasync).sort(), ['p50', 'p90', 'p99']);
  for (const option of ['pglz', 'none'])
    assert.ok(
      r.storage.some((s: { option: string }) => s.option === option),
      option,
    );
  for (const s of r.storage) for (const key of ['postgresCpuSecondsPerGB', 'walMBPerGB', 'tableMBPerGB']) assert.ok(key in s, key);
  for (const key of ['firstFrameMs', 'fullDownloadFirstByteMs', 'seekMs', 'seekSqlMs']) assert.ok(key in r.replay, key);
  assert.equal(r.api.errors, 0);
});
