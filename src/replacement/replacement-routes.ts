import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ReplacementSchema } from '../schemas.js';
import type { ReplacementService } from './replacement-service.js';

export default async function replacementRoutes(app: FastifyInstance, { replacements }: { replacements: ReplacementService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preHandler', app.authenticate);

  r.get('/api/replacements', {
    schema: {
      querystring: Type.Object({ hostId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
      response: { 200: Type.Array(ReplacementSchema) },
    },
  }, async (request) => replacements.list(request.query));
}
