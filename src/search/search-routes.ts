import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ENVIRONMENT_PATTERN } from '../hosts/host-admin-fns.js';
import { ErrorSchema } from '../schemas.js';
import type { SearchService } from './search-service.js';

export const RecordingHitSchema = Type.Object({
  sessionId: Type.String(),
  hostName: Type.String(),
  environment: Type.String(),
  user: Type.String(),
  sessionStartedAt: Type.String({ format: 'date-time' }),
  atMs: Type.Integer(),
  kind: Type.String(),
  line: Type.String(),
});

export default async function searchRoutes(app: FastifyInstance, { search }: { search: SearchService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/search/recordings',
    {
      preValidation: [app.authenticate, requireRole('approver', 'auditor', 'admin')],
      schema: {
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 3, maxLength: 200 }),
            environment: Type.Optional(Type.String({ pattern: ENVIRONMENT_PATTERN })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            kind: Type.Optional(Type.Union([Type.Literal('i'), Type.Literal('o')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(RecordingHitSchema), 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (request) => search.recordings(request.query),
  );
}
