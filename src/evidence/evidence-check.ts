// The checks that say whether a session's evidence holds, with no database:
// `npm run verify` runs them on a bundle, the broker on what it would put in
// one. The chain of chunk hashes must be whole, and the recording must be what
// the signed manifest says (count, first and last hash, bytes each way), so a
// rewritten recording with recomputed hashes, or one missing its end, fails.
import { CHAIN_START, chunkHash, type ChunkKind } from '../recording/recording-fns.js';
import { sha256Hex } from './manifest.js';
import { NAMESPACES, SIGNER } from './signing-key.js';
import { keyFingerprint } from './sshsig-fns.js';
import { sshVerify } from './ssh-verify.js';

/** One line of the exact recording (recording.jsonl): the chunk as stored, data in base64. */
export interface ExactChunk {
  seq: number;
  atMs: number;
  kind: ChunkKind;
  hash: string;
  data: string;
}

export function exactLine(row: { seq: number; atMs: number; kind: ChunkKind; hash: Buffer; data: Buffer }): string {
  return JSON.stringify({ seq: row.seq, atMs: row.atMs, kind: row.kind, hash: row.hash.toString('hex'), data: row.data.toString('base64') }) + '\n';
}

export interface EvidenceInput {
  sessionId?: string;
  manifest: string | undefined;
  signature: string | undefined;
  publicKey: string;
  chunks: AsyncIterable<ExactChunk> | Iterable<ExactChunk>;
}

export interface EvidenceReport {
  ok: boolean;
  problems: string[];
  manifestHash: string | null;
  keyFingerprint: string;
  signatureValid: boolean;
  chunks: number;
  bytesIn: number;
  bytesOut: number;
}

export async function checkEvidence(input: EvidenceInput): Promise<EvidenceReport> {
  const problems: string[] = [];
  let prev = CHAIN_START;
  let count = 0;
  let firstHash: string | null = null;
  let chainBroken = false;
  const bytes = { i: 0, o: 0 };
  for await (const c of input.chunks) {
    const data = Buffer.from(c.data, 'base64');
    if (!chainBroken) {
      if (c.seq !== count) {
        problems.push(`chunk ${count} is missing (found ${c.seq} in its place)`);
        chainBroken = true;
      } else if (!chunkHash(prev, c.seq, c.atMs, c.kind, data).equals(Buffer.from(c.hash, 'hex'))) {
        problems.push(`chunk ${c.seq} does not match its hash (changed, or the chain before it was)`);
        chainBroken = true;
      }
    }
    if (count === 0) firstHash = c.hash;
    prev = Buffer.from(c.hash, 'hex');
    if (c.kind === 'i' || c.kind === 'o') bytes[c.kind] += data.length;
    count++;
  }
  const lastHash = count ? prev.toString('hex') : null;
  const fingerprint = keyFingerprint(input.publicKey);
  let signatureValid = false;
  let manifestHash: string | null = null;
  if (input.manifest === undefined || input.signature === undefined) {
    problems.push('there is no signed manifest for this session');
  } else {
    manifestHash = sha256Hex(input.manifest);
    const verdict = await sshVerify(input.publicKey, SIGNER, NAMESPACES.recording, Buffer.from(input.manifest), input.signature);
    signatureValid = verdict.ok;
    if (!verdict.ok) problems.push(`the manifest's signature does not verify with key ${fingerprint}: ${verdict.output}`);
    let m: Record<string, unknown> = {};
    try {
      m = JSON.parse(input.manifest) as Record<string, unknown>;
    } catch {
      problems.push('the manifest is not JSON');
    }
    if (input.sessionId && m.session !== input.sessionId) problems.push(`the manifest is for session ${String(m.session)}, not ${input.sessionId}`);
    const expect = (what: string, actual: unknown, claimed: unknown) => {
      if (actual !== claimed) problems.push(`${what}: the recording has ${String(actual)}, the manifest says ${String(claimed)}`);
    };
    expect('chunks', count, m.chunks);
    expect('bytes in', bytes.i, m.bytesIn);
    expect('bytes out', bytes.o, m.bytesOut);
    expect('first chunk hash', firstHash, m.firstChunkHash);
    expect('last chunk hash', lastHash, m.lastChunkHash);
  }
  return { ok: problems.length === 0, problems, manifestHash, keyFingerprint: fingerprint, signatureValid, chunks: count, bytesIn: bytes.i, bytesOut: bytes.o };
}
