import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { classifySshFailure, configPath, knownHostsFile, parseSshHostConfig, renderSshConfig, SSH_ALIAS } from '../../src/ssh/ssh-fns.js';
import { removeStaleSessionDirs } from '../../src/terminal/connectors/ssh-connector.js';
import { run } from '../helpers/sshd.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfDdbkqR7Zc1dkS3y3vGkO0h8o4Zb1tS0hYp2Bq4o9M';
const FILES = { identityFile: '/tmp/bg s/id', certificateFile: '/tmp/bg s/id-cert.pub', knownHostsFile: '/tmp/bg%h/known_hosts' };
const ALLOWED = new Set([
  'HostName',
  'Port',
  'User',
  'IdentityFile',
  'CertificateFile',
  'IdentitiesOnly',
  'IdentityAgent',
  'PubkeyAuthentication',
  'PasswordAuthentication',
  'KbdInteractiveAuthentication',
  'HostbasedAuthentication',
  'BatchMode',
  'StrictHostKeyChecking',
  'UserKnownHostsFile',
  'GlobalKnownHostsFile',
  'UpdateHostKeys',
  'CheckHostIP',
  'VerifyHostKeyDNS',
  'HashKnownHosts',
  'ConnectTimeout',
  'ServerAliveInterval',
  'ServerAliveCountMax',
  'ForwardAgent',
  'ForwardX11',
  'ClearAllForwardings',
  'PermitLocalCommand',
  'ControlMaster',
  'ControlPath',
  'EscapeChar',
  'LogLevel',
]);

test('the generated client config has one Host block of fixed options, each a single safe value', () => {
  const text = renderSshConfig({ address: 'db-1.internal', port: 2222, login: 'ops', hostKey: KEY }, FILES);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], `Host ${SSH_ALIAS}`);
  for (const line of lines.slice(1)) {
    const m = /^ {2}([A-Za-z0-9]+) ("[^"%]*(?:%%[^"%]*)*"|[A-Za-z0-9._/-]+)$/.exec(line);
    assert.ok(m, `unexpected line: ${JSON.stringify(line)}`);
    assert.ok(ALLOWED.has(m[1]!), `unexpected option ${m[1]}`);
  }
  assert.equal(new Set(lines.map((l) => l.trim().split(' ')[0])).size, lines.length, 'no option twice');
  assert.ok(lines.includes('  StrictHostKeyChecking yes'));
  assert.ok(lines.includes('  UserKnownHostsFile "/tmp/bg%%h/known_hosts"'), '%-tokens in paths are escaped');
});

test('what ssh itself makes of the generated config: the pinned host, no proxy, no forwarding, strict checking', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = { identityFile: `${dir}/id`, certificateFile: `${dir}/id-cert.pub`, knownHostsFile: `${dir}/known_hosts` };
  writeFileSync(`${dir}/config`, renderSshConfig({ address: '10.1.2.3', port: 2200, login: 'ops', hostKey: KEY }, files));
  const { stdout } = await run('ssh', ['-G', '-F', `${dir}/config`, SSH_ALIAS]);
  const opt = (k: string) =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith(`${k} `))
      .map((l) => l.slice(k.length + 1));
  assert.deepEqual(opt('hostname'), ['10.1.2.3']);
  assert.deepEqual(opt('port'), ['2200']);
  assert.deepEqual(opt('user'), ['ops']);
  assert.deepEqual(opt('stricthostkeychecking'), ['true']);
  assert.deepEqual(opt('userknownhostsfile'), [files.knownHostsFile]);
  assert.deepEqual(opt('globalknownhostsfile'), ['/dev/null']);
  assert.deepEqual(opt('identityfile'), [files.identityFile]);
  assert.deepEqual(opt('forwardagent'), ['no']);
  assert.deepEqual(opt('clearallforwardings'), ['yes']);
  assert.deepEqual(opt('batchmode'), ['yes']);
  assert.deepEqual(opt('escapechar'), ['none']);
  assert.deepEqual(opt('proxycommand'), []);
  assert.deepEqual(opt('proxyjump'), []);
  assert.deepEqual(opt('localcommand'), []);
  assert.deepEqual(opt('remotecommand'), []);
});

test('values that would add options or patterns never reach the config', () => {
  for (const address of ['-oProxyCommand=touch /tmp/x', 'a b', 'a\nProxyCommand x', 'a"b', '%h', '*', 'h,other', '!h', '[::1]:22', 'fe80::1%eth0', '']) {
    assert.throws(() => parseSshHostConfig({ address, login: 'ops', hostKey: KEY }), /address/, JSON.stringify(address));
    assert.throws(() => renderSshConfig({ address, port: 22, login: 'ops', hostKey: KEY }, FILES), /address/, JSON.stringify(address));
  }
  assert.equal(parseSshHostConfig({ address: '::1', login: 'ops', hostKey: KEY }).address, '::1');
  assert.throws(() => configPath('/tmp/a"b'), /unsafe path/);
  assert.throws(() => configPath('relative/path'), /unsafe path/);
  assert.throws(() => configPath('/tmp/a\nb'), /unsafe path/);
});

test('known_hosts pins the host as ssh looks it up: by name and port, or through its host CA', () => {
  assert.equal(knownHostsFile({ address: 'db-1', port: 22, login: 'ops', hostKey: KEY }), `db-1 ${KEY}\n`);
  assert.equal(knownHostsFile({ address: '::1', port: 2222, login: 'ops', hostKey: KEY }), `[::1]:2222 ${KEY}\n`);
  assert.equal(knownHostsFile({ address: '10.0.0.1', port: 2222, login: 'ops', hostCaKey: KEY }), `@cert-authority [10.0.0.1]:2222 ${KEY}\n`);
});

test('ssh failures are told apart for the audit trail', () => {
  assert.equal(
    classifySshFailure('@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n').reason,
    'host_key_changed',
  );
  assert.equal(
    classifySshFailure('No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.\n').reason,
    'host_key_unknown',
  );
  assert.equal(classifySshFailure('ops@10.0.0.1: Permission denied (publickey).\n').reason, 'auth_rejected');
  assert.equal(classifySshFailure('ssh: connect to host 10.0.0.1 port 22: Connection refused\n').reason, 'unreachable');
});

test("a restarted broker removes the key directories its crashed run left, and no other broker's", async (t) => {
  const work = mkdtempSync(path.join(tmpdir(), 'breakglass-work-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  for (const name of ['breakglass-ssh-broker-a-s1-x', 'breakglass-ssh-broker-a-s2-y', 'breakglass-ssh-broker-ab-s3-z']) {
    mkdirSync(path.join(work, name));
    writeFileSync(path.join(work, name, 'id_ed25519'), 'key');
  }
  assert.equal(await removeStaleSessionDirs('broker-a', work), 2);
  assert.deepEqual(readdirSync(work), ['breakglass-ssh-broker-ab-s3-z']);
});
