import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, RequestSchema } from '../schemas.js';
import type { AccessService } from './access-service.js';
import type { ExtensionService } from './extension-service.js';

const Params = Type.Object({ id: Type.String({ format: 'uuid' }), extensionId: Type.String({ format: 'uuid' }) });
const Errors = errorResponses(400, 401, 403, 404, 409);

export default async function extensionRoutes(app: FastifyInstance, { access, extensions }: { access: AccessService; extensions: ExtensionService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);

  r.post(
    '/api/requests/:id/extensions',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object(
          { minutes: Type.Integer({ minimum: 1, maximum: 10080 }), reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 201: RequestSchema, ...Errors },
      },
    },
    async (request, reply) => {
      await extensions.ask(request.auth, request.params.id, request.body);
      return reply.code(201).send(await access.get(request.auth, request.params.id));
    },
  );

  r.post(
    '/api/requests/:id/extensions/:extensionId/approve',
    {
      schema: {
        params: Params,
        body: Type.Optional(Type.Object({ comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
        response: { 200: RequestSchema, ...Errors },
      },
    },
    async (request) => {
      await extensions.approve(request.auth, request.params.id, request.params.extensionId, request.body?.comment);
      return access.get(request.auth, request.params.id);
    },
  );

  r.post(
    '/api/requests/:id/extensions/:extensionId/deny',
    {
      schema: {
        params: Params,
        body: Type.Object({ comment: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: RequestSchema, ...Errors },
      },
    },
    async (request) => {
      await extensions.deny(request.auth, request.params.id, request.params.extensionId, request.body.comment);
      return access.get(request.auth, request.params.id);
    },
  );
}
