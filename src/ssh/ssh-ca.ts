// The broker's SSH certificate authority: one ed25519 key, made on first start
// (or given by BREAKGLASS_SSH_CA_KEY_FILE), that signs a short-lived user
// certificate per session. The private key stays in its file: it is never
// read into this process, logged, or returned; only ssh-keygen opens it.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fingerprint } from './ssh-fns.js';

const exec = promisify(execFile);
// A key with a passphrase must fail at once, not wait for someone to type it.
const run = (file: string, args: string[]) => exec(file, args, { timeout: 10_000 });

export interface CertificateRequest {
  publicKeyFile: string;
  keyId: string;
  principal: string;
  validFrom: Date;
  validTo: Date;
  /** Unique per certificate, so that a KRL can revoke exactly this one. */
  serial: bigint;
}

/** ssh-keygen's absolute UTC time: YYYYMMDDHHMMSSZ. */
export function sshTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

export class SshCa {
  private constructor(
    readonly keyFile: string,
    readonly publicKey: string,
    readonly fingerprint: string,
  ) {}

  /** Loads the configured key, or the data dir's one, making the latter on first start. */
  static async open(dataDir: string, keyFile?: string): Promise<SshCa> {
    const file = keyFile ? path.resolve(keyFile) : path.join(dataDir, 'ssh', 'ca');
    if (!existsSync(file)) {
      if (keyFile) throw new Error(`BREAKGLASS_SSH_CA_KEY_FILE names ${file}, which does not exist`);
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'breakglass-ca', '-f', file]);
    }
    if ((statSync(file).mode & 0o077) !== 0) throw new Error(`the SSH CA key ${file} is readable by others; make it mode 0600`);
    const { stdout } = await run('ssh-keygen', ['-y', '-P', '', '-f', file]);
    const publicKey = stdout.trim().split(' ').slice(0, 2).join(' ') + ' breakglass-ca';
    if (!keyFile) await writeFile(`${file}.pub`, publicKey + '\n', { mode: 0o644 });
    return new SshCa(file, publicKey, fingerprint(publicKey));
  }

  /** Signs `publicKeyFile`, writing `<name>-cert.pub` beside it; returns that path. */
  async sign(req: CertificateRequest): Promise<string> {
    if (!(req.validTo > req.validFrom)) throw new Error('the grant window has already ended; no certificate is issued');
    await run('ssh-keygen', [
      '-q',
      '-s',
      this.keyFile,
      '-P',
      '',
      '-I',
      req.keyId,
      '-z',
      String(req.serial),
      '-n',
      req.principal,
      '-V',
      `${sshTime(req.validFrom)}:${sshTime(req.validTo)}`,
      '-O',
      'no-agent-forwarding',
      '-O',
      'no-port-forwarding',
      '-O',
      'no-x11-forwarding',
      '-O',
      'no-user-rc',
      req.publicKeyFile,
    ]);
    return req.publicKeyFile.replace(/\.pub$/, '') + '-cert.pub';
  }

  /** A key revocation list (binary, `ssh-keygen -k`) of these serials, for hosts' `RevokedKeys`. */
  async krl(serials: bigint[]): Promise<Buffer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'breakglass-krl-'));
    try {
      const spec = path.join(dir, 'spec');
      const krl = path.join(dir, 'krl');
      const caPub = path.join(dir, 'ca.pub');
      await writeFile(spec, serials.map((s) => `serial: ${s}\n`).join(''));
      await writeFile(caPub, this.publicKey + '\n');
      await run('ssh-keygen', ['-q', '-k', '-f', krl, '-s', caPub, spec]);
      return await readFile(krl);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
