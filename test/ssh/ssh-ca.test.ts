import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SshCa } from '../../src/ssh/ssh-ca.js';
import { run } from '../helpers/sshd.js';

test('a CA key given by BREAKGLASS_SSH_CA_KEY_FILE is used as it is; a missing, shared or locked one stops the broker', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops-ca', '-f', `${dir}/given`]);
  const ca = await SshCa.open(dataDir, `${dir}/given`);
  assert.equal(ca.publicKey.split(' ').slice(0, 2).join(' '), readFileSync(`${dir}/given.pub`, 'utf8').split(' ').slice(0, 2).join(' '));
  assert.match(ca.fingerprint, /^SHA256:/);
  assert.equal(existsSync(path.join(dataDir, 'ssh')), false, 'nothing is made in the data dir');

  assert.throws(() => loadConfig({ BREAKGLASS_DATA_DIR: dataDir, BREAKGLASS_SSH_CA_KEY_FILE: `${dir}/missing` }), ConfigError);
  chmodSync(`${dir}/given`, 0o644);
  await assert.rejects(SshCa.open(dataDir, `${dir}/given`), /readable by others/);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-passphrase', '-f', `${dir}/locked`]);
  await assert.rejects(SshCa.open(dataDir, `${dir}/locked`), 'a passphrase-protected key fails instead of waiting for input');
});

test('the default CA is made once in the data dir and kept across restarts', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'breakglass-ca-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await SshCa.open(dataDir);
  const second = await SshCa.open(dataDir);
  assert.equal(second.publicKey, first.publicKey);
  assert.equal(readFileSync(path.join(dataDir, 'ssh', 'ca.pub'), 'utf8').trim(), first.publicKey);
});
