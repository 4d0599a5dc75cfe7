// Signed checkpoints of the audit chain: every N events, every few minutes, and
// on demand, the broker signs the chain's head (event id, position, hash, time)
// with the evidence key and keeps it twice: in Postgres, and appended (fsync'd)
// to a file in the data dir, which whoever holds the database cannot reach.
// An unkeyed hash chain cannot show that its END was cut off or rewritten; a
// signed head can: verification walks the chain and then requires the latest
// validly signed checkpoint to be in it, at its place, with its hash.
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../db/client.js';
import { canonicalJson } from '../audit/audit-fns.js';
import type { auditService } from '../audit/audit-service.js';
import { NAMESPACES, SIGNER, type SigningKey } from './signing-key.js';
import { sshVerify } from './ssh-verify.js';
import { checkpointProblem } from './checkpoint-fns.js';

const LOCK = 72707371; // one checkpoint at a time across replicas
export const CHECKPOINT_FORMAT = 'breakglass-audit-checkpoint/1';

export interface CheckpointPayload {
  format: string;
  eventId: string;
  count: number;
  hash: string;
  at: string;
}

export interface SignedCheckpoint {
  payload: string;
  signature: string;
}

export interface CheckpointOptions {
  dataDir: string;
  everyEvents: number;
  everySeconds: number;
}

export function checkpointFile(dataDir: string): string {
  return path.join(dataDir, 'evidence', 'audit-checkpoints.jsonl');
}

export class AuditCheckpoints {
  private timer: NodeJS.Timeout | undefined;
  private lastAt = Date.now();
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly key: SigningKey,
    private readonly audit: ReturnType<typeof auditService>,
    private readonly opts: CheckpointOptions,
    private readonly log: (msg: string) => void,
  ) {}

  /** Checks every few seconds whether N events or the interval have passed since the last checkpoint. */
  start(): void {
    const tickMs = Math.min(5_000, this.opts.everySeconds * 1000);
    this.timer = setInterval(() => void this.tick().catch((err: Error) => this.log(`audit checkpoint: ${err.message}`)), tickMs);
    this.timer.unref();
  }

  stop(): Promise<unknown> {
    clearInterval(this.timer);
    return this.running;
  }

  private async tick(): Promise<void> {
    const last = await this.prisma.auditCheckpoint.findFirst({ orderBy: { eventId: 'desc' }, select: { eventId: true } });
    const since = await this.prisma.auditEvent.count({ where: { id: { gt: last?.eventId ?? 0n } } });
    if (since >= this.opts.everyEvents || (since > 0 && Date.now() - this.lastAt >= this.opts.everySeconds * 1000)) await this.checkpoint();
  }

  /** Signs the current head; returns the checkpoint (or the latest one, if nothing was appended since). */
  checkpoint(): Promise<CheckpointPayload | null> {
    const next = this.running.then(() => this.make());
    this.running = next.catch(() => {});
    return next;
  }

  private async make(): Promise<CheckpointPayload | null> {
    this.lastAt = Date.now();
    const made = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK}::bigint)`;
      const head = await tx.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true, hash: true } });
      if (!head) return null;
      const last = await tx.auditCheckpoint.findFirst({ orderBy: { eventId: 'desc' } });
      if (last && last.eventId === head.id) return { payload: last.payload, signature: last.signature, fresh: false };
      const count = Number(last?.eventCount ?? 0n) + (await tx.auditEvent.count({ where: { id: { gt: last?.eventId ?? 0n, lte: head.id } } }));
      const at = new Date();
      const payload = canonicalJson({
        format: CHECKPOINT_FORMAT,
        eventId: head.id.toString(),
        count,
        hash: head.hash,
        at: at.toISOString(),
      } satisfies CheckpointPayload);
      const signature = this.key.sign(NAMESPACES.audit, payload);
      await tx.auditCheckpoint.create({
        data: { eventId: head.id, eventCount: count, hash: head.hash, at, payload, signature, keyFingerprint: this.key.fingerprint },
      });
      return { payload, signature, fresh: true };
    });
    if (!made) return null;
    if (made.fresh) await this.appendToFile({ payload: made.payload, signature: made.signature });
    return JSON.parse(made.payload) as CheckpointPayload;
  }

  private async appendToFile(c: SignedCheckpoint): Promise<void> {
    const file = checkpointFile(this.opts.dataDir);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await appendFile(file, JSON.stringify(c) + '\n', { mode: 0o600 });
    const fh = await open(file, 'r');
    await fh.sync().finally(() => fh.close());
  }

  async list(limit = 100) {
    const rows = await this.prisma.auditCheckpoint.findMany({ orderBy: { id: 'desc' }, take: limit });
    return rows.map((r) => ({
      eventId: r.eventId.toString(),
      count: Number(r.eventCount),
      hash: r.hash,
      at: r.at.toISOString(),
      payload: r.payload,
      signature: r.signature,
      keyFingerprint: r.keyFingerprint,
    }));
  }

  /** The latest checkpoint whose signature holds, from the file or from Postgres (whichever is later). */
  async latest(): Promise<(CheckpointPayload & { source: 'file' | 'database' }) | null> {
    const fromFile: SignedCheckpoint[] = [];
    const text = await readFile(checkpointFile(this.opts.dataDir), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      try {
        if (line) fromFile.push(JSON.parse(line) as SignedCheckpoint);
      } catch {
        /* a torn last line */
      }
    }
    const fromDb = await this.prisma.auditCheckpoint.findMany({ orderBy: { eventId: 'desc' }, take: 5, select: { payload: true, signature: true } });
    const candidates = [...fromFile.slice(-5).map((c) => ({ ...c, source: 'file' as const })), ...fromDb.map((c) => ({ ...c, source: 'database' as const }))]
      .map((c) => {
        try {
          return { ...c, parsed: JSON.parse(c.payload) as CheckpointPayload };
        } catch {
          return undefined;
        }
      })
      .filter((c) => c !== undefined)
      .sort((a, b) => (BigInt(b.parsed.eventId) > BigInt(a.parsed.eventId) ? 1 : -1));
    for (const c of candidates) {
      const v = await sshVerify(this.key.publicKey, SIGNER, NAMESPACES.audit, Buffer.from(c.payload), c.signature);
      if (v.ok) return { ...c.parsed, source: c.source };
      this.log(`an audit checkpoint (${c.source}) does not verify: ${v.output}`);
    }
    return null;
  }

  /** The chain walk, then the latest signed checkpoint must be in the chain, at its place, with its hash. */
  async verify() {
    const chain = await this.audit.verify();
    const cp = await this.latest();
    const checkpoint = cp ? { eventId: cp.eventId, count: cp.count, hash: cp.hash, at: cp.at, source: cp.source } : undefined;
    if (!chain.ok || !cp) return { ...chain, checkpoint };
    const at = await this.prisma.auditEvent.findUnique({ where: { id: BigInt(cp.eventId) }, select: { hash: true } });
    const position = await this.prisma.auditEvent.count({ where: { id: { lte: BigInt(cp.eventId) } } });
    const problem = checkpointProblem(cp, at ? { hash: at.hash, position } : undefined, chain.count);
    if (problem) return { ok: false as const, count: chain.count, head: chain.head, brokenAt: cp.eventId, problem, checkpoint };
    return { ...chain, checkpoint };
  }
}
