// A session's evidence, read back: the signed manifest, the exact recording
// (JSON lines, base64 data: every byte as recorded, which asciicast cannot
// carry), the bundle an auditor takes away, and the same checks the offline
// verifier runs.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PrismaClient } from '../db/client.js';
import { NotFoundError } from '../errors.js';
import type { CastSession, RecordingService } from '../recording/recording-service.js';
import { checkEvidence, exactLine, type ExactChunk } from './evidence-check.js';
import { BUNDLE_README } from './bundle-readme.js';
import { NAMESPACES, type SigningKey } from './signing-key.js';
import { tarStream } from './tar-fns.js';

export function evidenceService(prisma: PrismaClient, recordings: RecordingService, key: SigningKey) {
  async function manifest(sessionId: string) {
    return prisma.sessionManifest.findUnique({ where: { sessionId } });
  }

  async function* exactChunks(sessionId: string): AsyncGenerator<ExactChunk> {
    for await (const page of recordings.chunkPages(sessionId)) {
      for (const r of page) yield { seq: r.seq, atMs: r.atMs, kind: r.kind, hash: r.hash.toString('hex'), data: r.data.toString('base64') };
    }
  }

  function exact(sessionId: string): Readable {
    async function* lines() {
      for await (const page of recordings.chunkPages(sessionId)) yield page.map(exactLine).join('');
    }
    return Readable.from(lines());
  }

  return {
    publicKey: () => ({ publicKey: key.publicKey, fingerprint: key.fingerprint, allowedSigners: key.allowedSigners(), namespaces: { ...NAMESPACES } }),

    async manifest(sessionId: string) {
      const m = await manifest(sessionId);
      if (!m) throw new NotFoundError('Manifest (the session has not ended, or ended before manifests existed)');
      return { manifest: m.manifest, hash: m.hash, signature: m.signature, keyFingerprint: m.keyFingerprint, createdAt: m.createdAt.toISOString() };
    },

    exact,

    /** The offline verifier's checks, on what the database holds now. */
    async check(sessionId: string) {
      const m = await manifest(sessionId);
      return checkEvidence({ sessionId, manifest: m?.manifest, signature: m?.signature, publicKey: key.publicKey, chunks: exactChunks(sessionId) });
    },

    /**
     * One tar: exact recording, asciicast, manifest, signature, public key.
     * Spooled to a temp dir first (a tar header needs each file's size), so
     * memory stays flat however long the recording; removed once sent.
     */
    async bundle(cast: CastSession): Promise<{ name: string; stream: Readable }> {
      const m = await manifest(cast.id);
      if (!m) throw new NotFoundError('Manifest (the session has not ended, or ended before manifests existed)');
      const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-bundle-'));
      try {
        await pipeline(exact(cast.id), createWriteStream(path.join(dir, 'recording.jsonl')));
        await pipeline(recordings.cast(cast), createWriteStream(path.join(dir, 'recording.cast')));
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      const name = `breakglass-evidence-${cast.id}`;
      const text = (s: string) => Buffer.from(s);
      const stream = tarStream([
        { name: `${name}/README.txt`, data: text(BUNDLE_README) },
        { name: `${name}/manifest.json`, data: text(m.manifest) },
        { name: `${name}/manifest.json.sig`, data: text(m.signature) },
        { name: `${name}/signing-key.pub`, data: text(key.publicKey + '\n') },
        { name: `${name}/allowed_signers`, data: text(key.allowedSigners()) },
        { name: `${name}/recording.jsonl`, file: path.join(dir, 'recording.jsonl') },
        { name: `${name}/recording.cast`, file: path.join(dir, 'recording.cast') },
      ]);
      stream.once('close', () => rmSync(dir, { recursive: true, force: true }));
      return { name, stream };
    },
  };
}

export type EvidenceService = ReturnType<typeof evidenceService>;
