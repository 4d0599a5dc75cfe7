// Pure rules of the ssh connector: what a host's connector settings may hold,
// and the files handed to the OpenSSH client. Every value that reaches the
// client's config was checked here first, so nothing can add an option
// (ProxyCommand, LocalCommand, ...) or a known-hosts pattern of its own.
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

export interface SshHostConfig {
  address: string;
  port: number;
  login: string;
  /** Exactly one of these pins the host: its own key, or the CA that signs its host certificate. */
  hostKey?: string;
  hostCaKey?: string;
}

export class SshConfigError extends Error {}

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
const LOGIN = /^[a-z_][a-z0-9_-]{0,31}$/;
const KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];
const PUBLIC_KEY = /^([a-z0-9-]+) ([A-Za-z0-9+/]{20,8000}={0,2})(?: [\x20-\x7e]{0,200})?$/;

export const SSH_ALIAS = 'breakglass-target';

export function isSafeAddress(address: string): boolean {
  if (HOSTNAME.test(address)) return true;
  return /^[0-9A-Fa-f:.]{2,45}$/.test(address) && isIPv6(address);
}

/** `type base64`, with the type repeated inside the key blob; any comment is dropped. */
export function normalisePublicKey(line: string, what: string): string {
  const m = PUBLIC_KEY.exec(line.trim());
  if (!m || !KEY_TYPES.includes(m[1]!)) {
    throw new SshConfigError(`${what} must be one OpenSSH public key line such as "ssh-ed25519 AAAA..." (types: ${KEY_TYPES.join(', ')})`);
  }
  const blob = Buffer.from(m[2]!, 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len !== m[1]!.length || blob.subarray(4, 4 + len).toString('latin1') !== m[1]) {
    throw new SshConfigError(`${what} is not a valid ${m[1]} key: its encoded type does not match`);
  }
  return `${m[1]} ${m[2]}`;
}

/** OpenSSH's SHA256 fingerprint of a "type base64" public key line. */
export function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Checks connector settings from an admin (or from the database) and returns only the known fields. */
export function parseSshHostConfig(raw: unknown): SshHostConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SshConfigError('connectorConfig must be an object');
  const c = raw as Record<string, unknown>;
  if (typeof c.address !== 'string' || !isSafeAddress(c.address)) {
    throw new SshConfigError('connectorConfig.address must be a host name or an IP address (letters, digits, ".", "-", "_" or an IPv6 address)');
  }
  const port = c.port ?? 22;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SshConfigError('connectorConfig.port must be an integer from 1 to 65535');
  }
  if (typeof c.login !== 'string' || !LOGIN.test(c.login)) {
    throw new SshConfigError(
      'connectorConfig.login must be a user name: lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters',
    );
  }
  const pins = [c.hostKey, c.hostCaKey].filter((v) => v !== undefined);
  if (pins.length !== 1 || pins.some((v) => typeof v !== 'string')) {
    throw new SshConfigError(
      "connectorConfig needs exactly one of hostKey (the host's public key) or hostCaKey (the CA that signs its host certificate): hosts are always pinned",
    );
  }
  const out: SshHostConfig = { address: c.address, port, login: c.login };
  if (typeof c.hostKey === 'string') out.hostKey = normalisePublicKey(c.hostKey, 'connectorConfig.hostKey');
  else out.hostCaKey = normalisePublicKey(c.hostCaKey as string, 'connectorConfig.hostCaKey');
  return out;
}

/** The name known_hosts matches for this host: what ssh itself looks up. */
function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function knownHostsFile(host: SshHostConfig): string {
  const name = knownHostsName(host.address, host.port);
  if (host.hostKey) return `${name} ${host.hostKey}\n`;
  return `@cert-authority ${name} ${host.hostCaKey}\n`;
}

/** A path as an ssh_config argument: quoted, with ssh's %-tokens escaped. */
export function configPath(p: string): string {
  if (!p.startsWith('/') || /["\\\u0000-\u001f\u007f]/.test(p)) throw new SshConfigError(`unsafe path for the ssh client config: ${JSON.stringify(p)}`);
  return `"${p.replaceAll('%', '%%')}"`;
}

export interface ClientFiles {
  identityFile: string;
  certificateFile: string;
  knownHostsFile: string;
}

export const CONNECT_TIMEOUT_SECONDS = 10;
export const SERVER_ALIVE_SECONDS = 15;

/** The client config: one Host block, every option fixed here; host values were validated (and are re-checked). */
export function renderSshConfig(raw: SshHostConfig, files: ClientFiles): string {
  const host = parseSshHostConfig(raw);
  const options: [string, string | number][] = [
    ['HostName', host.address],
    ['Port', host.port],
    ['User', host.login],
    ['IdentityFile', configPath(files.identityFile)],
    ['CertificateFile', configPath(files.certificateFile)],
    ['IdentitiesOnly', 'yes'],
    ['IdentityAgent', 'none'],
    ['PubkeyAuthentication', 'yes'],
    ['PasswordAuthentication', 'no'],
    ['KbdInteractiveAuthentication', 'no'],
    ['HostbasedAuthentication', 'no'],
    ['BatchMode', 'yes'],
    ['StrictHostKeyChecking', 'yes'],
    ['UserKnownHostsFile', configPath(files.knownHostsFile)],
    ['GlobalKnownHostsFile', '/dev/null'],
    ['UpdateHostKeys', 'no'],
    ['CheckHostIP', 'no'],
    ['VerifyHostKeyDNS', 'no'],
    ['HashKnownHosts', 'no'],
    ['ConnectTimeout', CONNECT_TIMEOUT_SECONDS],
    ['ServerAliveInterval', SERVER_ALIVE_SECONDS],
    ['ServerAliveCountMax', 3],
    ['ForwardAgent', 'no'],
    ['ForwardX11', 'no'],
    ['ClearAllForwardings', 'yes'],
    ['PermitLocalCommand', 'no'],
    ['ControlMaster', 'no'],
    ['ControlPath', 'none'],
    // Every byte typed goes to the host as typed: no "~." or "~C" escapes in the broker's client.
    ['EscapeChar', 'none'],
    ['LogLevel', 'ERROR'],
  ];
  return [`Host ${SSH_ALIAS}`, ...options.map(([k, v]) => `  ${k} ${v}`), ''].join('\n');
}

/** What an ssh failure (its own stderr) says about the host, for the audit trail. */
/** Why an ssh client could not give the user a shell, in words for the terminal and the audit trail. */
export interface SshFailure {
  reason: 'host_key_changed' | 'host_key_unknown' | 'auth_rejected' | 'unreachable' | 'failed';
  message: string;
}

export function classifySshFailure(stderr: string): SshFailure {
  const message = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^[@]+$/.test(l))
    .slice(-3)
    .join(' ')
    .slice(0, 500);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed|host certificate .* (invalid|not signed)/i.test(stderr))
    return { reason: 'host_key_changed', message };
  if (/host key is known|No .* host key is known|Host key verification failed/i.test(stderr)) return { reason: 'host_key_unknown', message };
  if (/Permission denied/i.test(stderr)) return { reason: 'auth_rejected', message };
  if (/Connection refused|timed out|Could not resolve|No route to host|Network is unreachable/i.test(stderr)) return { reason: 'unreachable', message };
  return { reason: 'failed', message };
}
