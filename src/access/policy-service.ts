// Access policy per environment: how many approvals, which durations. Admins
// change it; every change is audited with what it was before.
import type { PrismaClient } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { ValidationError } from '../errors.js';
import type { PolicyConfig } from '../config.js';

export function policyService(prisma: PrismaClient) {
  return {
    list: () => prisma.policy.findMany({ orderBy: { environment: 'asc' } }),

    /** Sets an environment's policy; `user` null when it comes from BREAKGLASS_POLICY. Unchanged is not an event. */
    async put(user: Actor | null, environment: string, policy: PolicyConfig) {
      if (policy.maxDurationMinutes < policy.minDurationMinutes) throw new ValidationError('maxDurationMinutes must not be below minDurationMinutes');
      return prisma.$transaction(async (tx) => {
        const before = await tx.policy.findUnique({ where: { environment } });
        const after = await tx.policy.upsert({ where: { environment }, create: { environment, ...policy }, update: policy });
        const same = before && (Object.keys(policy) as (keyof PolicyConfig)[]).every((k) => before[k] === policy[k]);
        if (!same) await appendAudit(tx, { type: 'policy.updated', actor: user, subjectType: 'policy', subjectId: environment, data: { before, after } });
        return after;
      });
    },
  };
}

export type PolicyService = ReturnType<typeof policyService>;
