// Evidence before teardown: when a touched host is about to be replaced, its
// provider's capturer records what changed on it, stored (insert-only) and
// audited in one transaction. A failed capture holds the teardown (the attempt
// fails and is retried, the host ends `failed` and visible) or, by policy,
// lets it proceed; either way the failure is an audit event.
import type { PrismaClient, Tx } from '../../db/client.js';
import { appendAudit } from '../../audit/audit-service.js';
import { publish } from '../../events/change-feed.js';
import type { ReplaceTarget } from '../providers/provider.js';
import { NotFoundError } from '../../errors.js';
import { HANDOVER_TRIGGER } from '../../replicas/host-handover.js';
import { captureInclude, toCaptureView } from './capture-views.js';
import type { CaptureFailurePolicy, Capturer, DeliveredCapture, Evidence } from './evidence.js';

type Deps = {
  prisma: PrismaClient;
  capturers: Map<string, Capturer>;
  config: { captureOnFailure: CaptureFailurePolicy; captureTimeoutSeconds: number };
  log: (msg: string) => void;
};

export interface TeardownSubject {
  id: string;
  provider: string;
  /** Why it is replaced: after a hand-over, the host's old state stayed on the gone replica's machine. */
  trigger?: string | null;
  host: ReplaceTarget['host'] & { taintedAt: Date | null };
  image: ReplaceTarget['image'];
  attempt?: number;
}

export class CaptureHeldError extends Error {}

async function withTimeout<T>(seconds: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${seconds} s`));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The sessions on this instance of the host: since its last replacement (or its creation). */
export async function touchedSessions(db: PrismaClient | Tx, hostId: string) {
  const previous = await db.replacement.findFirst({
    where: { hostId, status: 'succeeded' },
    orderBy: { finishedAt: 'desc' },
    select: { finishedAt: true },
  });
  const sessions = await db.session.findMany({
    where: { hostId, startedAt: { gte: previous?.finishedAt ?? new Date(0) } },
    select: { id: true, requestId: true },
    orderBy: { startedAt: 'asc' },
  });
  return { sessionIds: sessions.map((s) => s.id), requestIds: [...new Set(sessions.map((s) => s.requestId))] };
}

type Stored = { id: string; provider: string; host: { id: string; name: string } };

export function captureService({ prisma, capturers, config, log }: Deps) {
  /** Stores one capture and its audit event, in the caller's transaction. */
  async function record(tx: Tx, r: Stored, sessionIds: string[], result: { evidence: Evidence } | { error: string; summary?: Record<string, unknown> }) {
    const ok = 'evidence' in result;
    const row = await tx.capture.create({
      data: {
        replacementId: r.id,
        hostId: r.host.id,
        sessionIds,
        provider: r.provider,
        kind: ok ? result.evidence.kind : 'none',
        status: ok ? 'succeeded' : 'failed',
        error: ok ? null : result.error,
        summary: (ok ? result.evidence.summary : (result.summary ?? {})) as object,
        items: (ok ? result.evidence.items : []) as object[],
      },
    });
    await appendAudit(tx, {
      type: ok ? 'capture.succeeded' : 'capture.failed',
      subjectType: 'capture',
      subjectId: row.id,
      data: {
        replacementId: r.id,
        hostId: r.host.id,
        host: r.host.name,
        sessionIds,
        provider: r.provider,
        ...(ok
          ? { kind: result.evidence.kind, summary: result.evidence.summary }
          : { error: result.error, teardown: config.captureOnFailure === 'hold' ? 'held' : 'proceeded' }),
      },
    });
    await publish(tx, { type: 'change', kind: 'replacement', id: r.id });
    return row;
  }

  async function store(r: Stored, sessionIds: string[], result: { evidence: Evidence } | { error: string }) {
    await prisma.$transaction((tx) => record(tx, r, sessionIds, result));
  }

  // Handed over: what the sessions changed is on the gone machine; holding would keep the host out for good.
  const handedOver = (r: TeardownSubject) => r.trigger === HANDOVER_TRIGGER;

  function failure(r: TeardownSubject, message: string): string {
    const gone = handedOver(r) ? " (handed over: the host's previous state stayed on its gone owner's machine)" : '';
    return `evidence capture failed${gone}: ${message}`.slice(0, 1000);
  }

  function failed(r: TeardownSubject, message: string): void {
    const error = failure(r, message);
    log(`${r.host.name}: ${error}`);
    if (config.captureOnFailure === 'hold' && !handedOver(r)) throw new CaptureHeldError(`${error}; the teardown is held (BREAKGLASS_CAPTURE_ON_FAILURE=hold)`);
  }

  return {
    /** Runs before the provider tears the host down. Throws CaptureHeldError when the teardown must wait. */
    async beforeTeardown(r: TeardownSubject): Promise<void> {
      if (!r.host.taintedAt) return;
      const capturer = capturers.get(r.provider);
      if (!capturer) return;
      if (await prisma.capture.findFirst({ where: { replacementId: r.id, status: 'succeeded' }, select: { id: true } })) return;
      const { sessionIds, requestIds } = await touchedSessions(prisma, r.host.id);
      let outcome: Evidence | DeliveredCapture | null;
      try {
        outcome = await withTimeout(config.captureTimeoutSeconds, (signal) =>
          capturer.capture({ host: r.host, image: r.image }, signal, {
            replacementId: r.id,
            sessionIds,
            requestIds,
            ...(r.attempt ? { attempt: r.attempt } : {}),
          }),
        );
      } catch (err) {
        const message = (err as Error).message;
        await store(r, sessionIds, { error: failure(r, message) });
        return failed(r, message);
      }
      if (outcome === null) return;
      if ('captureId' in outcome) return outcome.error ? failed(r, outcome.error) : undefined;
      await store(r, sessionIds, { evidence: outcome });
    },

    /** Evidence that arrived by itself (a webhook's signed callback), stored in the receiving transaction. */
    async delivered(tx: Tx, r: Stored, result: { evidence: Evidence } | { error: string; summary?: Record<string, unknown> }) {
      const { sessionIds } = await touchedSessions(tx, r.host.id);
      return record(tx, r, sessionIds, result);
    },

    async get(id: string) {
      const row = await prisma.capture.findUnique({ where: { id }, include: captureInclude });
      if (!row) throw new NotFoundError('Capture');
      return toCaptureView(row);
    },

    /** Evidence taken from the host after this session (and any that shared the host with it), items included. */
    async forSession(sessionId: string) {
      const rows = await prisma.capture.findMany({ where: { sessionIds: { has: sessionId } }, include: captureInclude, orderBy: { createdAt: 'asc' } });
      return rows.map(toCaptureView);
    },
  };
}

export type CaptureService = ReturnType<typeof captureService>;
