// Results of webhook jobs called back to the broker: authenticated by their
// signature alone (the receiver holds no user login), accepted only for the
// job the replacement is running now, kept as `replacement.callback` audit
// events (so the replica that waits for it finds it, whichever one received
// it). A refused callback is an alert: `replacement.callback_refused`.
import type { PrismaClient } from '../../db/client.js';
import { appendAudit } from '../../audit/audit-service.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { jobIdOf } from './webhook.js';
import { parseResult, verify } from './webhook-fns.js';

export function webhookCallbacks({ prisma, secret }: { prisma: PrismaClient; secret: string | undefined }) {
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
      const result = parseResult(parsed);
      if (typeof result === 'string') throw new ValidationError(result);
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM replacements WHERE id = ${replacementId}::uuid FOR UPDATE`;
        const r = await tx.replacement.findUnique({ where: { id: replacementId } });
        if (r?.provider !== 'webhook') throw new NotFoundError('Replacement');
        if (r.status !== 'running' || result.jobId !== jobIdOf(r.id, r.attempts))
          throw new ConflictError(`Job ${result.jobId} is not the one this replacement waits for.`, 'stale_job');
        await appendAudit(tx, { type: 'replacement.callback', subjectType: 'replacement', subjectId: r.id, data: { ...result } });
      });
      return { accepted: true };
    },
  };
}

export type WebhookCallbacks = ReturnType<typeof webhookCallbacks>;
