import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { AuditEventSchema, AuditVerificationSchema, ErrorSchema } from '../schemas.js';
import { AuditFilter, auditCsv, auditQuery, EXPORT_LIMIT } from './audit-export.js';
import type { auditService } from './audit-service.js';
import type { AuditCheckpoints } from '../evidence/audit-checkpoints.js';

export default async function auditRoutes(
  app: FastifyInstance,
  { audit }: { audit: Omit<ReturnType<typeof auditService>, 'verify'> & { verify: AuditCheckpoints['verify'] } },
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);
  app.addHook('preValidation', requireRole('auditor', 'admin'));

  r.get(
    '/api/audit',
    {
      schema: {
        querystring: AuditFilter,
        response: { 200: Type.Array(AuditEventSchema), 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (request) => audit.list(auditQuery(request.query, 1000)),
  );

  // The same filter as a file: every matching event (up to 100,000), CSV or JSON.
  r.get(
    '/api/audit/export',
    {
      schema: {
        querystring: Type.Object(
          { ...AuditFilter.properties, format: Type.Union([Type.Literal('csv'), Type.Literal('json')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.String({ description: 'the events as CSV or as a JSON array' }), 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (request, reply) => {
      const events = await audit.list({ ...auditQuery(request.query, EXPORT_LIMIT), limit: EXPORT_LIMIT });
      const csv = request.query.format === 'csv';
      reply.header('content-disposition', `attachment; filename="breakglass-audit.${request.query.format}"`);
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      return reply.send(csv ? auditCsv(events) : JSON.stringify(events));
    },
  );

  r.get(
    '/api/audit/verify',
    {
      schema: {
        response: {
          200: AuditVerificationSchema,
        },
      },
    },
    async () => audit.verify(),
  );
}
