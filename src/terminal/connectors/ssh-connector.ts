// A real host over SSH: the OpenSSH client runs inside the broker's pty (so
// every byte passes the recording proxy) with a key pair made for this session
// and a certificate that expires with the grant. The host is pinned by its key
// or its host CA; nothing is ever trusted on first use.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SshCa } from '../../ssh/ssh-ca.js';
import { classifySshFailure, knownHostsFile, parseSshHostConfig, renderSshConfig, SSH_ALIAS, type SshFailure } from '../../ssh/ssh-fns.js';
import type { Connector, ConnectorContext, ShellCommand } from './connector.js';

const run = promisify(execFile);

/** Certificates start a little in the past so a host clock slightly behind still accepts them. */
const CLOCK_SKEW_MS = 60_000;
const SSH_FAILED = 255;

export interface SshConnectorOptions {
  ca: SshCa;
  /** Names this broker's session directories, so a restart can remove what a crash left. */
  brokerId: string;
  /** Called after a session whose ssh client failed (host key refused, unreachable, ...). */
  onFailure?: (ctx: ConnectorContext, failure: SshFailure) => Promise<void>;
  /** A fresh certificate serial, recorded with the session. */
  serialFor: (sessionId: string) => Promise<bigint>;
  /** Where the per-session directories go (default: the OS temp dir). */
  workDir?: string;
}

// Values reach the shell only as environment variables, always quoted; ssh's own
// errors are shown after it exits, and kept for the audit trail.
const WRAPPER = `"$BREAKGLASS_SSH" -tt -F "$BREAKGLASS_SSH_DIR/config" ${SSH_ALIAS} 2>"$BREAKGLASS_SSH_DIR/stderr"
rc=$?
cat "$BREAKGLASS_SSH_DIR/stderr" >&2
echo "$rc" >"$BREAKGLASS_SSH_DIR/status"
if [ "$rc" -eq ${SSH_FAILED} ]; then
  printf '\\r\\nbreakglass: could not open a shell on %s (see the message above). This session has ended.\\r\\n' "$BREAKGLASS_HOST" >&2
fi
exit "$rc"`;

/** The certificate's key id, as sshd logs it: ties the host's log to the session and its recording. */
export function certificateKeyId(ctx: ConnectorContext): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64);
  return `breakglass session=${ctx.sessionId} request=${ctx.requestId} user=${clean(ctx.user.username)} host=${clean(ctx.host.name)}`;
}

const dirPrefix = (brokerId: string) => `breakglass-ssh-${brokerId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}-`;

/** At start-up: key directories of this broker's sessions that a crash left behind. */
export async function removeStaleSessionDirs(brokerId: string, workDir = tmpdir()): Promise<number> {
  const stale = (await readdir(workDir)).filter((name) => name.startsWith(dirPrefix(brokerId)));
  await Promise.all(stale.map((name) => rm(path.join(workDir, name), { recursive: true, force: true })));
  return stale.length;
}

export function sshConnector(opts: SshConnectorOptions): Connector {
  const workDir = opts.workDir ?? tmpdir();
  return {
    type: 'ssh',
    async prepare(ctx: ConnectorContext): Promise<ShellCommand> {
      const host = parseSshHostConfig(ctx.host.connectorConfig);
      if (ctx.expiresAt.getTime() <= Date.now()) throw new Error('the grant window has ended; no certificate is issued');
      const dir = await mkdtemp(path.join(workDir, `${dirPrefix(opts.brokerId)}${ctx.sessionId}-`));
      try {
        const identityFile = path.join(dir, 'id_ed25519');
        const knownHosts = path.join(dir, 'known_hosts');
        const keyId = certificateKeyId(ctx);
        await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', keyId, '-f', identityFile]);
        const certificateFile = await opts.ca.sign({
          publicKeyFile: `${identityFile}.pub`,
          keyId,
          principal: host.login,
          serial: await opts.serialFor(ctx.sessionId),
          validFrom: new Date(Date.now() - CLOCK_SKEW_MS),
          validTo: ctx.expiresAt,
        });
        await writeFile(knownHosts, knownHostsFile(host), { mode: 0o600 });
        await writeFile(path.join(dir, 'config'), renderSshConfig(host, { identityFile, certificateFile, knownHostsFile: knownHosts }), { mode: 0o600 });
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      let disposed = false;
      return {
        file: '/bin/sh',
        args: ['-c', WRAPPER, 'breakglass-ssh'],
        cwd: dir,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: dir,
          TERM: 'xterm-256color',
          LANG: 'C.UTF-8',
          BREAKGLASS_SSH: 'ssh',
          BREAKGLASS_SSH_DIR: dir,
          BREAKGLASS_HOST: ctx.host.name,
        },
        async dispose() {
          if (disposed) return;
          disposed = true;
          try {
            const status = await readFile(path.join(dir, 'status'), 'utf8').catch(() => '');
            if (Number(status.trim()) === SSH_FAILED && opts.onFailure) {
              const stderr = await readFile(path.join(dir, 'stderr'), 'utf8').catch(() => '');
              await opts.onFailure(ctx, classifySshFailure(stderr));
            }
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      };
    },
  };
}
