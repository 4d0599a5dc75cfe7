// The audit side of the ssh connector: a host that could not be reached or
// trusted is an event of its own (beside session.ended), so a changed host key
// stands out in the trail instead of hiding in a recording.
import { appendAudit } from '../audit/audit-service.js';
import type { PrismaClient } from '../db/client.js';
import type { ConnectorContext } from '../terminal/connectors/connector.js';
import type { SshFailure } from './ssh-fns.js';

export function auditSshFailure(prisma: PrismaClient) {
  return async (ctx: ConnectorContext, failure: SshFailure): Promise<void> => {
    const hostKey = failure.reason === 'host_key_changed' || failure.reason === 'host_key_unknown';
    await prisma.$transaction(async (tx) => {
      await appendAudit(tx, {
        type: hostKey ? 'ssh.host_key_rejected' : 'ssh.connect_failed',
        actor: null,
        subjectType: 'session',
        subjectId: ctx.sessionId,
        data: { hostId: ctx.host.id, host: ctx.host.name, requestId: ctx.requestId, user: ctx.user.username, reason: failure.reason, message: failure.message },
      });
    });
  };
}
