// The rebuild of a local host cannot be steered: links planted in the host's
// directory while it is rebuilt never hand a broker file to the host's user.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildHostFromImage, checkImageSource, hostDirectory } from '../../src/hosts/local-hosts.js';
import { tempDataDir } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

const target = (source: string) => ({
  host: { id: '6d2f2f1e-0000-4000-8000-000000000001', name: 'race-1', environment: 'staging', instance: 1, connectorConfig: {} },
  image: { name: 'web', version: '1', source },
});

test('links planted in a host directory during its rebuild never change a broker file', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(path.join(dataDir, 'images/web-1/etc'), { recursive: true });
  writeFileSync(path.join(dataDir, 'images/web-1/etc/motd'), 'hello\n');
  const secret = path.join(dataDir, 'token-secret');
  writeFileSync(secret, 'secret\n', { mode: 0o600 });
  await buildHostFromImage(dataDir, target('images/web-1'), 1);
  const hostDir = hostDirectory(dataDir, 'race-1');
  // A process left from a session plants links into the directory for as long as the rebuilds run.
  const racer = spawn(
    'bash',
    [
      '-c',
      `while :; do for n in a b c d; do ln -sfn ${secret} ${hostDir}/$n 2>/dev/null; ln -sfn ${secret} ${hostDir}/etc/$n 2>/dev/null; ln -sfn ${dataDir} ${hostDir}/etc/motd 2>/dev/null; done; done`,
    ],
    // Its own process group: killing the group also kills an `ln` in flight, which killing bash alone would leave planting.
    { stdio: 'ignore', detached: true },
  );
  const racerGone = new Promise((r) => racer.once('exit', r));
  try {
    for (let i = 2; i < 40; i++) await buildHostFromImage(dataDir, target('images/web-1'), i);
  } finally {
    // Stopped before the data dir is removed (the after hook), or it would keep planting links into it.
    process.kill(-racer.pid!, 'SIGKILL');
    await racerGone;
  }
  const info = statSync(secret);
  assert.equal(info.uid, process.getuid!(), 'token-secret still belongs to the broker');
  assert.equal(info.mode & 0o777, 0o600, 'token-secret keeps its mode');
  assert.equal(statSync(dataDir).uid, process.getuid!(), 'the data dir still belongs to the broker');
});

test('an image source must be a directory under images/, at creation and at rebuild', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t);
  for (const source of ['ssh', '.', 'hosts/prod-db-1', 'images', 'ssh/ca']) {
    const res = await h.api('admin', 'POST', '/api/images', { name: `evil-${Math.random().toString(36).slice(2, 8)}`, version: '1', source });
    assert.equal(res.status, 400, `source ${source} is refused`);
    assert.equal(res.body.error.code, 'validation_error');
  }
  symlinkSync(path.join(h.dataDir, 'ssh'), path.join(h.dataDir, 'images/ssh-link'));
  assert.equal(
    (await h.api('admin', 'POST', '/api/images', { name: 'linked', version: '1', source: 'images/ssh-link' })).status,
    400,
    'a link out of images/ is refused',
  );
  assert.equal(
    (await h.api('admin', 'POST', '/api/images', { name: 'ami', version: '1', source: 'ami-0123456789abcdef0' })).status,
    201,
    'a reference that names nothing in the data dir is fine',
  );
  await assert.rejects(checkImageSource(h.dataDir, 'images/ssh-link'));
  await assert.rejects(buildHostFromImage(h.dataDir, target('ssh'), 2), /must be a directory under/);
  await assert.rejects(buildHostFromImage(h.dataDir, target('images/ssh-link'), 2), /must be a directory under/);
});
