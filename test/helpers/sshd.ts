// A real OpenSSH server for connector tests: its own config, host key and
// trusted CA in a temp dir, on a loopback port, as a child this helper owns
// (stopped after the test). Readiness is sshd's own "Server listening" line.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../src/free-port.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { Harness } from './harness.js';

export const run = promisify(execFile);
export const LOGIN = 'bgtarget';

export interface Sshd {
  port: number;
  dir: string;
  /** The host's public key line, to pin it. */
  hostKey: string;
  /** The host CA's public key line, when started with `hostCa`. */
  hostCaKey?: string;
  log(): string;
  stop(): Promise<void>;
}

/** The login user sshd lets in (tests run as root). Not locked: a "*" password, no password login. */
export async function ensureLoginUser(name = LOGIN): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (
      await run('id', ['-u', name]).then(
        () => true,
        () => false,
      )
    )
      return;
    await run('useradd', ['-m', '-s', '/bin/bash', '-p', '*', name]).catch(() => {});
  }
  throw new Error(`could not create the test login user ${name}`);
}

async function keygen(file: string, comment: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

export async function startSshd(t: TestContext, opts: { userCaKey: string; hostCa?: boolean }): Promise<Sshd> {
  await ensureLoginUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-sshd-'));
  const hostKeyFile = path.join(dir, 'host_ed25519');
  const hostKey = await keygen(hostKeyFile, 'test-host');
  const port = await freePort();
  let hostCaKey: string | undefined;
  const extra: string[] = [];
  if (opts.hostCa) {
    hostCaKey = await keygen(path.join(dir, 'host_ca'), 'test-host-ca');
    await run('ssh-keygen', ['-q', '-s', path.join(dir, 'host_ca'), '-h', '-I', 'test-host', '-n', '127.0.0.1', '-V', '-5m:+1h', `${hostKeyFile}.pub`]);
    extra.push(`HostCertificate ${hostKeyFile}-cert.pub`);
  }
  writeFileSync(path.join(dir, 'user_ca.pub'), opts.userCaKey + '\n');
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      ...extra,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `TrustedUserCAKeys ${path.join(dir, 'user_ca.pub')}`,
      'AuthorizedKeysFile none',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin no',
      'StrictModes no',
      'LogLevel VERBOSE',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      `AllowUsers ${LOGIN}`,
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening:\n${log}`)));
    child.once('error', reject);
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM'); // sshd and its per-connection children: our own process group
      } catch {
        /* gone */
      }
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  t.after(stop);
  return { port, dir, hostKey, hostCaKey, log: () => log, stop };
}

/** An image and an ssh host pointing at `sshd`, created through the admin API. */
export async function registerSshHost(
  h: Harness,
  sshd: Sshd,
  name: string,
  pin: { hostKey?: string; hostCaKey?: string } = { hostKey: sshd.hostKey },
  extra: Record<string, unknown> = {},
): Promise<string> {
  const images = await h.api('admin', 'GET', '/api/images');
  let image = images.body.find((i: { name: string }) => i.name === 'sshd-test');
  if (!image) {
    const created = await h.api('admin', 'POST', '/api/images', { name: 'sshd-test', version: '1', source: 'registry.example/sshd-test:1' });
    if (created.status !== 201) throw new Error(`image: ${created.status} ${JSON.stringify(created.body)}`);
    image = created.body;
  }
  const res = await h.api('admin', 'POST', '/api/hosts', {
    name,
    environment: 'staging',
    imageId: image.id,
    connector: 'ssh',
    connectorConfig: { address: '127.0.0.1', port: sshd.port, login: LOGIN, ...pin, ...extra },
  });
  if (res.status !== 201) throw new Error(`host: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** The broker's user CA, as an admin sees it. */
export async function brokerCaKey(h: Harness): Promise<string> {
  const res = await h.api('admin', 'GET', '/api/ssh/ca');
  if (res.status !== 200) throw new Error(`ssh ca: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.publicKey;
}
