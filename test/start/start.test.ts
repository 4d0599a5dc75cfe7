// `npm start` runs the compiled broker (scripts/start.mjs, scripts/build.mjs),
// and compiles it again first when a file under src/ changed since.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { stale } from '../../scripts/build.mjs';
import { startBroker } from '../helpers/broker.js';

const root = path.resolve(import.meta.dirname, '../..');

test('npm start runs the compiled broker, without a TypeScript loader, with its fence watchdog', { timeout: 120_000 }, async (t) => {
  const b = await startBroker({ built: true });
  t.after(() => b.stop());
  assert.equal((await fetch(`${b.url}/healthz`)).status, 200);
  const pid = b.child.pid!;
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  assert.ok(args.includes(path.join(root, 'scripts/start.mjs')), args.join(' '));
  assert.ok(!args.some((a) => a.includes('tsx')), `no tsx: ${args.join(' ')}`);
  // The watchdog is a plain module next to the compiled fence; were it missing, the fence would have no teeth.
  const watchdog = path.join(root, 'dist/terminal/fence-watchdog.mjs');
  assert.ok(existsSync(watchdog), 'the build copied the watchdog');
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  const running = children.filter((c) => {
    try {
      return readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').includes(watchdog);
    } catch {
      return false;
    }
  });
  assert.equal(running.length, 1, `the fence's watchdog runs: children ${children.join(' ')}`);
});

test('a build is stale when it never finished, or when a source file (or the build config) changed after it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'build-stale-'));
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'deep'), { recursive: true });
  writeFileSync(path.join(src, 'deep', 'a.ts'), '');
  const config = path.join(dir, 'tsconfig.json');
  writeFileSync(config, '{}');
  const stamp = path.join(dir, '.built');
  assert.equal(stale(src, stamp, [config]), true, 'no finished build');
  const at = (f: string, seconds: number) => utimesSync(f, seconds, seconds);
  writeFileSync(stamp, '');
  at(path.join(src, 'deep', 'a.ts'), 1000);
  at(config, 1000);
  at(stamp, 2000);
  assert.equal(stale(src, stamp, [config]), false, 'nothing changed since the build');
  at(path.join(src, 'deep', 'a.ts'), 3000);
  assert.equal(stale(src, stamp, [config]), true, 'a source file changed');
  at(path.join(src, 'deep', 'a.ts'), 1000);
  at(config, 3000);
  assert.equal(stale(src, stamp, [config]), true, 'the build config changed');
});
