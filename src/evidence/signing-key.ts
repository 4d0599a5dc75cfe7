// The broker's evidence signing key: an ed25519 OpenSSH key kept OUTSIDE
// Postgres (made on first start at <dataDir>/evidence/signing-key, mode 0600,
// or given by BREAKGLASS_SIGNING_KEY_FILE), distinct from the SSH user CA: it
// signs session manifests and audit checkpoints, never certificates. Whoever
// holds the database cannot forge what it signs.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { allowedSigners, keyFingerprint, parseOpenSshEd25519, sshSign, type Ed25519Key } from './sshsig-fns.js';

const exec = promisify(execFile);

/** Who signs, in an allowed-signers file; the namespaces say what for. */
export const SIGNER = 'breakglass';
export const NAMESPACES = { recording: 'breakglass-recording', audit: 'breakglass-audit' } as const;

export class SigningKey {
  readonly publicKey: string;
  readonly fingerprint: string;

  private constructor(
    readonly file: string,
    private readonly key: Ed25519Key,
  ) {
    this.publicKey = `${key.publicKey} breakglass-evidence`;
    this.fingerprint = keyFingerprint(key.publicKey);
  }

  /** Loads the configured key or the data dir's (made on first start); refuses the SSH CA's own key. */
  static async open(dataDir: string, keyFile: string | undefined, caPublicKey: string): Promise<SigningKey> {
    const file = keyFile ? path.resolve(keyFile) : path.join(dataDir, 'evidence', 'signing-key');
    if (!existsSync(file)) {
      if (keyFile) throw new Error(`BREAKGLASS_SIGNING_KEY_FILE names ${file}, which does not exist`);
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'breakglass-evidence', '-f', file], { timeout: 10_000 });
    }
    if ((statSync(file).mode & 0o077) !== 0) throw new Error(`the evidence signing key ${file} is readable by others; make it mode 0600`);
    const key = new SigningKey(file, parseOpenSshEd25519(readFileSync(file, 'utf8')));
    if (keyFingerprint(caPublicKey) === key.fingerprint) throw new Error('the evidence signing key must not be the SSH user CA key: give it a key of its own');
    if (!keyFile) await writeFile(`${file}.pub`, key.publicKey + '\n', { mode: 0o644 });
    return key;
  }

  sign(namespace: string, message: Buffer | string): string {
    return sshSign(this.key, namespace, message);
  }

  /** The allowed-signers file an auditor gives `ssh-keygen -Y verify -f`. */
  allowedSigners(): string {
    return Object.values(NAMESPACES)
      .map((ns) => allowedSigners(SIGNER, ns, this.publicKey))
      .join('');
  }
}
