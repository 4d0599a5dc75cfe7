import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { IdParams, ReplacementSchema } from '../schemas.js';
import type { ReplacementService } from './replacement-service.js';

export default async function replacementRoutes(app: FastifyInstance, { replacements }: { replacements: ReplacementService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);

  r.get(
    '/api/replacements',
    {
      schema: {
        querystring: Type.Object({ hostId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
        response: { 200: Type.Array(ReplacementSchema) },
      },
    },
    async (request) => replacements.list(request.query),
  );

  r.post(
    '/api/hosts/:id/replace',
    {
      preValidation: requireRole('admin'),
      schema: { params: IdParams, response: { 202: ReplacementSchema } },
    },
    async (request, reply) => reply.code(202).send(await replacements.request(request.auth, request.params.id)),
  );
}
