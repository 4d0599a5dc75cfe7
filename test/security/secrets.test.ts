// A granted shell must not reach the broker's secrets, whoever the broker runs
// as: here a broker process as root and one as an unprivileged user the test
// creates, each with its own embedded Postgres (so pg-password exists).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { tempDataDir } from '../helpers/database.js';
import { BrokerClient, run } from './attack-shell.js';

const UNPRIVILEGED = 'breakglass-sectest';

function unprivilegedUser(): number {
  try {
    return Number(execFileSync('id', ['-u', UNPRIVILEGED], { encoding: 'utf8' }).trim());
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', UNPRIVILEGED]);
    return Number(execFileSync('id', ['-u', UNPRIVILEGED], { encoding: 'utf8' }).trim());
  }
}

async function attackSecrets(t: import('node:test').TestContext, uid: number | undefined) {
  const dataDir = tempDataDir();
  if (uid !== undefined) chownSync(dataDir, uid, uid);
  const broker = await startBroker({ uid, env: { DATABASE_URL: '', BREAKGLASS_DATA_DIR: dataDir, HOME: dataDir } });
  t.after(async () => {
    await broker.stop();
    execFileSync('rm', ['-rf', dataDir]);
  });
  const secrets = {
    'ssh/ca': readFileSync(path.join(dataDir, 'ssh/ca'), 'utf8').split('\n')[1]!,
    'token-secret': readFileSync(path.join(dataDir, 'token-secret'), 'utf8').trim(),
    'pg-password': readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim(),
  };
  const client = new BrokerClient(broker.url);
  const { term } = await client.shell('staging-web-1');
  const out = await run(
    term,
    [
      ...Object.keys(secrets).map((f) => `head -2 ${path.join(dataDir, f)} 2>&1`),
      `ls -la ${dataDir} ${dataDir}/ssh 2>&1`,
      `cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -a -E 'DATABASE_URL|TOKEN_SECRET'`,
      `grep -r -a -h -E 'PRIVATE KEY' /tmp ${path.dirname(dataDir)} 2>/dev/null | head -3`,
      `timeout 3 strace -p ${broker.child.pid} 2>&1 | head -c 300`,
      `timeout 3 bash -c 'echo > /dev/tcp/127.0.0.1/${new URL(broker.url).port}' 2>&1 && echo reached-broker-port`,
    ].join('; '),
  );
  for (const [file, value] of Object.entries(secrets)) assert.ok(!out.includes(value), `${file} must not be readable from a granted shell`);
  assert.doesNotMatch(out, /PRIVATE KEY|postgres(ql)?:\/\/|attached|reached-broker-port/);
}

test('a granted shell cannot read the SSH CA, token secret or Postgres password of a root broker', { timeout: 120_000 }, async (t) => {
  await attackSecrets(t, undefined);
});

test('a granted shell cannot read the secrets of a broker running as a normal user', { timeout: 120_000 }, async (t) => {
  await attackSecrets(t, unprivilegedUser());
});
