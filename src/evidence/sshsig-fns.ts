// SSH signatures (OpenSSH's PROTOCOL.sshsig, what `ssh-keygen -Y sign` writes
// and `ssh-keygen -Y verify` checks), made in-process with an ed25519 key read
// from an ordinary OpenSSH key file. Why an SSH signature: the broker is already
// an SSH CA, and every auditor has ssh-keygen; nothing else to install or trust.
// Why in-process rather than spawning ssh-keygen: ed25519 signing takes
// microseconds, so a manifest is signed inside the transaction that ends its
// session (see manifest.ts); ed25519 is deterministic, so the bytes are exactly
// what `ssh-keygen -Y sign` makes with the same key (a test checks this).
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';

const MAGIC = Buffer.from('SSHSIG');
const HASH = 'sha512';

function string(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** Reads SSH wire `string`s one after another. */
export class WireReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error('truncated SSH data');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
}

export interface Ed25519Key {
  /** `ssh-ed25519 AAAA...` */
  publicKey: string;
  privateKey: KeyObject;
  /** The public key blob (SSH wire format). */
  blob: Buffer;
}

/** An unencrypted OpenSSH ed25519 private key file (`ssh-keygen -t ed25519 -N ''`). */
export function parseOpenSshEd25519(pem: string): Ed25519Key {
  const body = pem.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const raw = Buffer.from(body, 'base64');
  const magic = Buffer.from('openssh-key-v1\0');
  if (!raw.subarray(0, magic.length).equals(magic)) throw new Error('not an OpenSSH private key');
  const r = new WireReader(raw.subarray(magic.length));
  const cipher = r.string().toString();
  r.string(); // kdf name
  r.string(); // kdf options
  if (cipher !== 'none') throw new Error('the signing key has a passphrase; the broker needs it without one (keep the file 0600)');
  if (r.uint32() !== 1) throw new Error('the signing key file must hold exactly one key');
  const blob = r.string();
  const priv = new WireReader(r.string());
  // Two check integers, read one after the other, must be equal (an unencrypted key).
  // biome-ignore lint/suspicious/noSelfCompare: two successive reads, not the same value
  if (priv.uint32() !== priv.uint32()) throw new Error('corrupt OpenSSH private key');
  if (priv.string().toString() !== 'ssh-ed25519') throw new Error('the signing key must be ed25519 (ssh-keygen -t ed25519)');
  const pub = priv.string();
  const secret = priv.string(); // 32-byte seed followed by the public key
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: secret.subarray(0, 32).toString('base64url'), x: pub.toString('base64url') },
    format: 'jwk',
  });
  return { publicKey: `ssh-ed25519 ${blob.toString('base64')}`, privateKey, blob };
}

/** SHA256 fingerprint as ssh-keygen prints it. */
export function keyFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The armored signature `ssh-keygen -Y sign -n <namespace>` would write for `message`. */
export function sshSign(key: Ed25519Key, namespace: string, message: Buffer | string): string {
  const digest = createHash(HASH).update(message).digest();
  const signed = Buffer.concat([MAGIC, string(namespace), string(''), string(HASH), string(digest)]);
  const sig = string(Buffer.concat([string('ssh-ed25519'), string(sign(null, signed, key.privateKey))]));
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1);
  const blob = Buffer.concat([MAGIC, version, string(key.blob), string(namespace), string(''), string(HASH), sig]);
  const b64 = blob
    .toString('base64')
    .match(/.{1,70}/g)!
    .join('\n');
  return `-----BEGIN SSH SIGNATURE-----\n${b64}\n-----END SSH SIGNATURE-----\n`;
}

/** `<principal> namespaces="<ns>" <key>`: the allowed-signers line for `ssh-keygen -Y verify`. */
export function allowedSigners(principal: string, namespace: string, publicKey: string): string {
  return `${principal} namespaces="${namespace}" ${publicKey}\n`;
}
