import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { DriftEntrySchema, HostSchema, IdParams } from '../schemas.js';
import { HOST_STATES } from '../states.js';
import type { HostService } from './host-service.js';

export default async function hostRoutes(app: FastifyInstance, { hosts }: { hosts: HostService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);

  r.get(
    '/api/hosts',
    {
      schema: {
        querystring: Type.Object(
          { environment: Type.Optional(Type.String({ maxLength: 64 })), state: Type.Optional(Type.Union(HOST_STATES.map((s) => Type.Literal(s)))) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(HostSchema) },
      },
    },
    async (request) => hosts.list(request.query),
  );

  r.get('/api/hosts/:id', { schema: { params: IdParams, response: { 200: HostSchema } } }, async (request) => hosts.get(request.params.id));

  r.get('/api/drift', { schema: { response: { 200: Type.Array(DriftEntrySchema) } } }, async (request) => hosts.drift(request.auth));
}
