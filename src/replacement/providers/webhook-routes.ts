// POST /api/replacements/:id/callback: a webhook receiver reports its job's
// result. The signature covers the exact bytes sent, so the body is read as
// text and verified before it is parsed.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorSchema, IdParams } from '../../schemas.js';
import type { WebhookCallbacks } from './webhook-callbacks.js';

/** A capture job's result carries evidence (the replace job's result is small). */
const CALLBACK_LIMIT = 512 * 1024;

export default async function webhookRoutes(app: FastifyInstance, { callbacks }: { callbacks: WebhookCallbacks }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: CALLBACK_LIMIT }, (_req, body, done) => done(null, body));

  r.post(
    '/api/replacements/:id/callback',
    {
      schema: {
        params: IdParams,
        body: Type.String({ maxLength: CALLBACK_LIMIT }),
        response: { 202: Type.Object({ accepted: Type.Boolean() }), 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema },
      },
    },
    async (request, reply) => reply.code(202).send(await callbacks.receive(request.params.id, request.body, request.headers)),
  );
}
