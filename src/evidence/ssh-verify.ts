// Checks an SSH signature with OpenSSH itself (`ssh-keygen -Y verify`), the
// tool an auditor would use by hand: the broker's replay check and the offline
// verifier run this same function.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allowedSigners } from './sshsig-fns.js';

export async function sshVerify(
  publicKey: string,
  principal: string,
  namespace: string,
  message: Buffer,
  signature: string,
): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-verify-'));
  try {
    writeFileSync(path.join(dir, 'allowed_signers'), allowedSigners(principal, namespace, publicKey.trim()));
    writeFileSync(path.join(dir, 'sig'), signature);
    const child = spawn(
      'ssh-keygen',
      ['-Y', 'verify', '-f', path.join(dir, 'allowed_signers'), '-I', principal, '-n', namespace, '-s', path.join(dir, 'sig')],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(message);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return { ok: code === 0, output: output.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
