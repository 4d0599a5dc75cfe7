// Evidence for `webhook` hosts with `replacement.capture: true`: before the
// replace job, the broker posts a signed capture job (`phase: "capture"`) to
// the same URL. Its signed result carries the evidence, either called back
// (stored as the capture by whichever replica receives it: see
// webhook-callbacks.ts) or, with a `statusUrl`, polled there.
import type { PrismaClient } from '../../db/client.js';
import { appendAudit } from '../../audit/audit-service.js';
import { CAPTURE_JOB_ISSUED, callbackUrlOf, captureJobIdOf, jobTarget, webhookClient, type WebhookOptions } from '../providers/webhook.js';
import { parseCaptureResult } from '../providers/webhook-fns.js';
import { parseWebhook } from '../providers/settings-fns.js';
import type { Capturer, DeliveredCapture, Evidence } from './evidence.js';

export const WEBHOOK_CAPTURE_KIND = 'webhook-capture';
const FAILED_PREFIX = 'evidence capture failed: ';

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

async function delivered(prisma: PrismaClient, replacementId: string, jobId: string): Promise<DeliveredCapture | undefined> {
  const row = await prisma.capture.findFirst({
    where: { replacementId, summary: { path: ['jobId'], equals: jobId } },
    select: { id: true, status: true, error: true },
  });
  if (!row) return undefined;
  return { captureId: row.id, error: row.status === 'failed' ? (row.error ?? 'no reason given').replace(FAILED_PREFIX, '') : null };
}

export function webhookCapturer(opts: WebhookOptions): Capturer {
  const client = webhookClient(opts);
  const pollMs = opts.pollMs ?? 5000;
  return {
    provider: 'webhook',
    async capture(target, signal, context): Promise<Evidence | DeliveredCapture | null> {
      const s = parseWebhook(target.host.connectorConfig.replacement as Record<string, unknown>);
      if (!s.capture) return null;
      if (!context?.attempt) throw new Error('a webhook capture runs inside a replacement attempt');
      const jobId = captureJobIdOf(context.replacementId, context.attempt);
      await opts.prisma.$transaction((tx) =>
        appendAudit(tx, {
          type: 'replacement.step',
          subjectType: 'replacement',
          subjectId: context.replacementId,
          data: { hostId: target.host.id, host: target.host.name, attempt: context.attempt, step: CAPTURE_JOB_ISSUED, jobId },
        }),
      );
      await client.post(
        s.url,
        {
          phase: 'capture',
          jobId,
          replacementId: context.replacementId,
          attempt: context.attempt,
          ...jobTarget(target),
          sessionIds: context.sessionIds,
          requestIds: context.requestIds,
          callbackUrl: callbackUrlOf(opts.publicUrl, context.replacementId),
        },
        'capture job',
      );
      while (!signal.aborted) {
        const stored = await delivered(opts.prisma, context.replacementId, jobId);
        if (stored) return stored;
        const answer = s.statusUrl ? await client.polled(s.statusUrl, jobId) : undefined;
        if (answer) {
          const result = parseCaptureResult(answer);
          if (typeof result === 'string') throw new Error(`the status URL's answer was refused: ${result}`);
          if (result.status === 'failed') throw new Error(`the webhook reports the capture failed: ${result.error ?? 'no reason given'}`);
          if (result.capture) return { kind: WEBHOOK_CAPTURE_KIND, summary: { ...result.capture.summary, jobId }, items: result.capture.items };
        }
        await pause(pollMs, signal);
      }
      throw new Error(`the capture job ${jobId} was not answered in time`);
    },
  };
}
