// The evidence's small parts: the tar it is shipped in, the signing key's
// rules, and the configuration that names keys and roles.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SigningKey } from '../../src/evidence/signing-key.js';
import { tarStream, untar } from '../../src/evidence/tar-fns.js';

const run = promisify(execFile);

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-evidence-fns-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the bundle tar opens with tar(1) and reads back byte for byte', async (t) => {
  const dir = tempDir(t);
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
  writeFileSync(path.join(dir, 'big.bin'), binary);
  const chunks: Buffer[] = [];
  for await (const c of tarStream([
    { name: 'b/a.txt', data: Buffer.from('ünï\n') },
    { name: 'b/big.bin', file: path.join(dir, 'big.bin') },
  ]))
    chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  writeFileSync(path.join(dir, 'x.tar'), tar);
  const listing = (await run('tar', ['tvf', path.join(dir, 'x.tar')])).stdout;
  assert.match(listing, /b\/a\.txt/);
  await run('tar', ['xf', path.join(dir, 'x.tar'), '-C', dir]);
  assert.deepEqual(readFileSync(path.join(dir, 'b/big.bin')), binary);
  const files = untar(tar);
  assert.equal(files.get('b/a.txt')!.toString(), 'ünï\n');
  assert.deepEqual(files.get('b/big.bin'), binary);
  assert.throws(() => untar(tar.subarray(0, 1000)), /not a complete tar/);
});

test('the signing key is made 0600 on first start, and refused when readable by others, passphrased, or the SSH CA key', async (t) => {
  const dir = tempDir(t);
  const ca = path.join(dir, 'ca');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', ca]);
  const caPub = readFileSync(`${ca}.pub`, 'utf8');
  const made = await SigningKey.open(dir, undefined, caPub);
  assert.match(made.publicKey, /^ssh-ed25519 \S+ breakglass-evidence$/);
  assert.equal((await SigningKey.open(dir, undefined, caPub)).fingerprint, made.fingerprint, 'the same key at the next start');
  await assert.rejects(SigningKey.open(dir, ca, caPub), /must not be the SSH user CA key/);
  const loose = path.join(dir, 'loose');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', loose]);
  chmodSync(loose, 0o644);
  await assert.rejects(SigningKey.open(dir, loose, caPub), /readable by others/);
  const locked = path.join(dir, 'locked');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', locked]);
  await assert.rejects(SigningKey.open(dir, locked, caPub), /passphrase/);
  const rsa = path.join(dir, 'rsa');
  await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa]);
  await assert.rejects(SigningKey.open(dir, rsa, caPub), /ed25519/);
});

test('configuration: the migrate URL needs the broker URL, a named signing key must exist, checkpoint figures are bounded', (t) => {
  const dir = tempDir(t);
  const base = { BREAKGLASS_DATA_DIR: dir };
  assert.throws(() => loadConfig({ ...base, DATABASE_MIGRATE_URL: 'postgresql://o@h/d' }), ConfigError);
  const c = loadConfig({ ...base, DATABASE_URL: 'postgresql://b@h/d', DATABASE_MIGRATE_URL: 'postgresql://o@h/d' });
  assert.equal(c.databaseMigrateUrl, 'postgresql://o@h/d');
  assert.equal(c.auditCheckpointEvents, 1000);
  assert.equal(c.auditCheckpointSeconds, 300);
  assert.throws(() => loadConfig({ ...base, BREAKGLASS_SIGNING_KEY_FILE: path.join(dir, 'nope') }), /BREAKGLASS_SIGNING_KEY_FILE/);
  assert.throws(() => loadConfig({ ...base, BREAKGLASS_AUDIT_CHECKPOINT_EVENTS: '0' }), /BREAKGLASS_AUDIT_CHECKPOINT_EVENTS/);
});
