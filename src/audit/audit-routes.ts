import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { AuditEventSchema } from '../schemas.js';
import type { auditService } from './audit-service.js';

export default async function auditRoutes(app: FastifyInstance, { audit }: { audit: ReturnType<typeof auditService> }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);
  app.addHook('preHandler', requireRole('auditor', 'admin'));

  r.get('/api/audit', {
    schema: {
      querystring: Type.Object({
        after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
        type: Type.Optional(Type.String({ maxLength: 64 })),
        limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(AuditEventSchema) },
    },
  }, async (request) => {
    const { after, type, limit } = request.query;
    return audit.list({ after: after === undefined ? undefined : BigInt(after), type, limit: Math.min(Math.max(Number(limit ?? 100), 1), 1000) });
  });

  r.get('/api/audit/verify', {
    schema: {
      response: {
        200: Type.Object({ ok: Type.Boolean(), count: Type.Integer(), head: Type.String(), brokenAt: Type.Optional(Type.String()), problem: Type.Optional(Type.String()) }),
      },
    },
  }, async () => audit.verify());
}
