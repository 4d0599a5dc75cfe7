import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { HostSchema, IdParams, ReplacementSchema, SessionSchema } from '../schemas.js';
import type { HostService } from './host-service.js';

const STATES = ['healthy', 'in_use', 'tainted', 'replacing', 'failed'];

export default async function hostRoutes(app: FastifyInstance, { hosts }: { hosts: HostService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);

  r.get('/api/hosts', {
    schema: {
      querystring: Type.Object({ environment: Type.Optional(Type.String({ maxLength: 64 })), state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)))) }, { additionalProperties: false }),
      response: { 200: Type.Array(HostSchema) },
    },
  }, async (request) => hosts.list(request.query));

  r.get('/api/hosts/:id', { schema: { params: IdParams, response: { 200: HostSchema } } }, async (request) => hosts.get(request.params.id));


  r.get('/api/drift', {
    schema: {
      response: {
        200: Type.Array(Type.Object({
          host: HostSchema, taintedAt: Type.String(), ageSeconds: Type.Integer(),
          sessions: Type.Array(SessionSchema), replacement: Type.Union([ReplacementSchema, Type.Null()]),
        })),
      },
    },
  }, async (request) => hosts.drift(request.auth));
}
