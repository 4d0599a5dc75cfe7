// "What did this session change?": the evidence taken from a host before its
// teardown. Who may replay a session may read what it changed.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../auth/auth-plugin.js';
import { ErrorSchema, IdParams } from '../../schemas.js';
import type { SessionService } from '../../terminal/session-service.js';
import type { CaptureService } from './capture-service.js';
import { CaptureSchema } from './capture-views.js';

export default async function captureRoutes(app: FastifyInstance, { captures, sessions }: { captures: CaptureService; sessions: SessionService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  r.get(
    '/api/sessions/:id/changes',
    {
      schema: { params: IdParams, response: { 200: Type.Array(CaptureSchema), 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema } },
    },
    async (request) => {
      await sessions.get(request.auth, request.params.id);
      return captures.forSession(request.params.id);
    },
  );

  r.get(
    '/api/captures/:id',
    {
      preValidation: requireRole('approver', 'auditor', 'admin'),
      schema: { params: IdParams, response: { 200: CaptureSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema } },
    },
    async (request) => captures.get(request.params.id),
  );
}
