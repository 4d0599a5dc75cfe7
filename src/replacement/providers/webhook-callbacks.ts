// Results of webhook jobs called back to the broker: authenticated by their
// signature alone (the receiver holds no user login), accepted only for the
// job the replacement is running now, kept as `replacement.callback` audit
// events (so the replica that waits for it finds it, whichever one received
// it). A refused callback is an alert: `replacement.callback_refused`.
// The result of a capture job (`<jobId>.capture`) carries evidence: it is
// stored as the replacement's capture in the same transaction, and the audit
// event keeps its status, never its contents.
import type { PrismaClient, Tx } from '../../db/client.js';
import { appendAudit } from '../../audit/audit-service.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { CaptureService } from '../capture/capture-service.js';
import { WEBHOOK_CAPTURE_KIND } from '../capture/webhook-capture.js';
import { CAPTURE_JOB_ISSUED, captureJobIdOf, JOB_ISSUED, jobIdOf } from './webhook.js';
import { parseCaptureResult, parseResult, verify } from './webhook-fns.js';

type Deps = { prisma: PrismaClient; secret: string | undefined; captures?: Pick<CaptureService, 'delivered'> };

export function webhookCallbacks({ prisma, secret, captures }: Deps) {
  /** Whether the job was issued (audited just before its POST): a result for a job not yet sent is refused. */
  async function issued(tx: Tx, replacementId: string, jobId: string): Promise<boolean> {
    const steps = await tx.auditEvent.count({
      where: {
        type: 'replacement.step',
        subjectId: replacementId,
        data: { path: ['jobId'], equals: jobId },
        OR: [{ data: { path: ['step'], equals: JOB_ISSUED } }, { data: { path: ['step'], equals: CAPTURE_JOB_ISSUED } }],
      },
    });
    return steps > 0;
  }

  async function receiveCapture(replacementId: string, parsed: unknown) {
    const result = parseCaptureResult(parsed);
    if (typeof result === 'string') throw new ValidationError(result);
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM replacements WHERE id = ${replacementId}::uuid FOR UPDATE`;
      const r = await tx.replacement.findUnique({
        where: { id: replacementId },
        include: { host: { select: { id: true, name: true, connectorConfig: true } } },
      });
      if (r?.provider !== 'webhook' || !captures) throw new NotFoundError('Replacement');
      const received = await tx.capture.count({ where: { replacementId, summary: { path: ['jobId'], equals: result.jobId } } });
      // Only a capture job the broker sent: the host asks for one, for this attempt, not yet answered.
      const asked = (r.host.connectorConfig as { replacement?: { capture?: unknown } } | null)?.replacement?.capture === true;
      if (!asked || r.status !== 'running' || result.jobId !== captureJobIdOf(r.id, r.attempts) || received > 0 || !(await issued(tx, r.id, result.jobId)))
        throw new ConflictError(`Job ${result.jobId} is not the one this replacement waits for.`, 'stale_job');
      await appendAudit(tx, {
        type: 'replacement.callback',
        subjectType: 'replacement',
        subjectId: r.id,
        data: { jobId: result.jobId, phase: 'capture', status: result.status, ...(result.error ? { error: result.error } : {}) },
      });
      const subject = { id: r.id, provider: r.provider, host: { id: r.host.id, name: r.host.name } };
      if (result.status === 'succeeded')
        await captures.delivered(tx, subject, {
          evidence: { kind: WEBHOOK_CAPTURE_KIND, summary: { ...result.capture!.summary, jobId: result.jobId }, items: result.capture!.items },
        });
      if (result.status === 'failed')
        await captures.delivered(tx, subject, {
          error: `evidence capture failed: the webhook reports the capture failed: ${result.error ?? 'no reason given'}`,
          summary: { jobId: result.jobId },
        });
    });
    return { accepted: true };
  }

  return {
    async receive(replacementId: string, raw: string, headers: Record<string, unknown>) {
      if (!secret) throw new NotFoundError('Webhook callback (BREAKGLASS_WEBHOOK_SECRET is not set)');
      const refused = verify(secret, raw, headers);
      if (refused) {
        await prisma.$transaction((tx) =>
          appendAudit(tx, { type: 'replacement.callback_refused', subjectType: 'replacement', subjectId: replacementId, data: { reason: refused } }),
        );
        throw new AppError(401, 'bad_signature', `Callback refused: ${refused}.`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new ValidationError('The callback body must be JSON.');
      }
      if ((parsed as { jobId?: unknown } | null)?.jobId?.toString().endsWith('.capture')) return receiveCapture(replacementId, parsed);
      const result = parseResult(parsed);
      if (typeof result === 'string') throw new ValidationError(result);
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM replacements WHERE id = ${replacementId}::uuid FOR UPDATE`;
        const r = await tx.replacement.findUnique({ where: { id: replacementId } });
        if (r?.provider !== 'webhook') throw new NotFoundError('Replacement');
        if (r.status !== 'running' || result.jobId !== jobIdOf(r.id, r.attempts) || !(await issued(tx, r.id, result.jobId)))
          throw new ConflictError(`Job ${result.jobId} is not the one this replacement waits for.`, 'stale_job');
        await appendAudit(tx, { type: 'replacement.callback', subjectType: 'replacement', subjectId: r.id, data: { ...result } });
      });
      return { accepted: true };
    },
  };
}

export type WebhookCallbacks = ReturnType<typeof webhookCallbacks>;
