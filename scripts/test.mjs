// `npm test`: starts one embedded Postgres for the whole run (each test file
// makes its own database in it), finds or installs what the tests need
// (Chromium, sshd), runs the node:test suites, then the Playwright specs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildIfStale } from './build.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const skipE2e = args.includes('--no-e2e') || only.length > 0;

// The compiled broker (what `npm start` runs; the bench and test/start run it) is brought up to date once,
// here, rather than by each test file that starts it, in parallel.
buildIfStale((message) => console.log(`test: ${message}`));

function ensure(binary, aptPackage) {
  if (existsSync(binary) || process.env.BREAKGLASS_NO_APT) return;
  if (process.getuid?.() !== 0) {
    console.warn(`test: ${binary} is missing; install ${aptPackage} (tests that need it will fail)`);
    return;
  }
  console.log(`test: installing ${aptPackage} with apt-get`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', aptPackage], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'e2e' || name === 'helpers' ? [] : testFiles(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

ensure('/usr/sbin/sshd', 'openssh-server');
if (!skipE2e) ensure(process.env.BREAKGLASS_CHROMIUM || '/usr/bin/chromium', 'chromium');

const run = (cmd, cmdArgs, env = {}) => spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } }).status ?? 1;

const files = only.length ? only : [...testFiles(path.join(root, 'test')), ...testFiles(path.join(root, 'web', 'src'))].sort();
let status = run(process.execPath, [
  '--import',
  'tsx',
  'test/helpers/with-postgres.ts',
  process.execPath,
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=360000',
  // A file's process ends when its last test has (teardown included): a socket
  // a library closes lazily must not hold a file for the whole timeout.
  '--test-force-exit',
  '--test-reporter=spec',
  ...files,
]);
if (status === 0 && !skipE2e && existsSync(path.join(root, 'playwright.config.ts'))) {
  status = run(process.execPath, ['--import', 'tsx', 'test/helpers/with-postgres.ts', path.join(root, 'node_modules/.bin/playwright'), 'test']);
}
process.exit(status);
