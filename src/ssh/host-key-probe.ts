// The host key of a replaced SSH host, learnt through its host CA: the real
// OpenSSH client connects to the new address with the same `@cert-authority`
// known_hosts line the connector uses (knownHostsFile), so the key is only
// recorded once ssh itself has checked that the host certificate is signed by
// the CA, names the address, is valid now, and that the host holds its key
// (the key exchange is signed with it). No login is attempted: host key
// checking comes before authentication, which is then refused by design.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONNECT_TIMEOUT_SECONDS, fingerprint, knownHostsFile, parseSshHostConfig, type SshHostConfig } from './ssh-fns.js';

export interface HostKeyRecord {
  /** SHA256 fingerprint of the host's public key (the certificate's key). */
  fingerprint: string;
  keyType: string;
  certificateId: string;
  serial: string;
  caFingerprint: string;
}

/** The host key is not vouched for by the CA: a finding, never retried into acceptance. */
export class HostKeyRejectedError extends Error {}

const CERT_LINE = /Server host certificate: (\S+) (SHA256:[A-Za-z0-9+/]+), serial (\d+) ID "([^"]*)" CA (\S+) (SHA256:[A-Za-z0-9+/]+)/;

/** Pure: what ssh -v said about the host's key, or why it was not accepted. */
export function readProbe(stderr: string, caKey: string): HostKeyRecord | { rejected: string } | { unreachable: string } {
  const cert = CERT_LINE.exec(stderr);
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No matching host key/.test(stderr) || /Server host key: /.test(stderr)) {
    const plain = /Server host key: (\S+) (SHA256:[A-Za-z0-9+/]+)/.exec(stderr);
    return {
      rejected: cert
        ? `its host certificate (${cert[2]}, ID "${cert[4]}") is not accepted for this address under the host CA`
        : `it presents a plain host key${plain ? ` (${plain[2]})` : ''}, not a certificate signed by the host CA`,
    };
  }
  if (!cert || !/is known and matches the \S+ host certificate/.test(stderr)) {
    const last =
      stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('debug'))
        .pop() ?? 'no answer';
    return { unreachable: last.slice(0, 300) };
  }
  if (cert[6] !== fingerprint(caKey)) return { rejected: `its host certificate is signed by ${cert[6]}, not by the host CA ${fingerprint(caKey)}` };
  return {
    fingerprint: cert[2]!,
    keyType: cert[1]!.replace(/-cert-v01@openssh\.com$/, ''),
    certificateId: cert[4]!,
    serial: cert[3]!,
    caFingerprint: cert[6]!,
  };
}

function ssh(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: timeoutMs, killSignal: 'SIGKILL', env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' } }, (_err, _out, stderr) =>
      resolve(String(stderr)),
    );
  });
}

/** Connects once to `host` (pinned by `hostCaKey`) and returns its checked host key. */
export async function probeHostKey(raw: SshHostConfig): Promise<HostKeyRecord | { rejected: string } | { unreachable: string }> {
  const host = parseSshHostConfig(raw);
  if (!host.hostCaKey) throw new Error('only a host pinned by a host CA is probed');
  const dir = await mkdtemp(path.join(tmpdir(), 'breakglass-hostkey-'));
  try {
    const knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, knownHostsFile(host), { mode: 0o600 });
    const stderr = await ssh(
      [
        '-v',
        '-F',
        '/dev/null',
        '-o',
        `HostName=${host.address}`,
        '-o',
        `Port=${host.port}`,
        '-o',
        `User=${host.login}`,
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'UpdateHostKeys=no',
        '-o',
        'BatchMode=yes',
        '-o',
        'PubkeyAuthentication=no',
        '-o',
        'PasswordAuthentication=no',
        '-o',
        'KbdInteractiveAuthentication=no',
        '-o',
        'HostbasedAuthentication=no',
        '-o',
        'GSSAPIAuthentication=no',
        '-o',
        'IdentityAgent=none',
        '-o',
        `ConnectTimeout=${CONNECT_TIMEOUT_SECONDS}`,
        'breakglass-probe',
        'true',
      ],
      (CONNECT_TIMEOUT_SECONDS + 10) * 1000,
    );
    return readProbe(stderr, host.hostCaKey);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for a replaced host's sshd at its new address (a fresh instance boots)
 * and returns its checked host key. A key the CA does not vouch for is
 * refused at once (HostKeyRejectedError); an sshd still unreachable at the
 * deadline is an error too.
 */
export async function hostKeyWhenBack(
  config: SshHostConfig,
  opts: { timeoutMs: number; pauseMs: number; probe?: typeof probeHostKey },
): Promise<HostKeyRecord> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const seen = await (opts.probe ?? probeHostKey)(config);
    if ('rejected' in seen) throw new HostKeyRejectedError(`the new instance at ${config.address} is not vouched for by the host CA: ${seen.rejected}`);
    if ('fingerprint' in seen) return seen;
    if (Date.now() >= deadline) throw new Error(`the new instance's sshd at ${config.address}:${config.port} did not answer in time: ${seen.unreachable}`);
    await pause(opts.pauseMs);
  }
}
