import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ENVIRONMENT_PATTERN } from '../hosts/host-admin-fns.js';
import { ErrorSchema, IdParams, PolicySchema, RequestSchema } from '../schemas.js';
import type { PolicyService } from './policy-service.js';
import type { AccessService } from './access-service.js';
import { REQUEST_STATUSES } from '../states.js';
import { PeopleInTheLoopPolicy } from './emergency-routes.js';

const Comment = Type.String({ maxLength: 2000 });

export default async function accessRoutes(app: FastifyInstance, { access, policies }: { access: AccessService; policies: PolicyService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);

  r.get('/api/policies', { schema: { response: { 200: Type.Array(PolicySchema) } } }, async () => policies.list());

  r.put(
    '/api/policies/:environment',
    {
      preValidation: requireRole('admin'),
      schema: {
        params: Type.Object({ environment: Type.String({ pattern: ENVIRONMENT_PATTERN }) }),
        body: Type.Object(
          {
            approvalsRequired: Type.Integer({ minimum: 1, maximum: 10 }),
            minDurationMinutes: Type.Integer({ minimum: 1, maximum: 10080 }),
            maxDurationMinutes: Type.Integer({ minimum: 1, maximum: 10080 }),
            ...PeopleInTheLoopPolicy,
          },
          { additionalProperties: false },
        ),
        response: { 200: PolicySchema },
      },
    },
    async (request) => policies.put(request.auth, request.params.environment, request.body),
  );

  r.post(
    '/api/requests',
    {
      schema: {
        body: Type.Object(
          {
            hostId: Type.String({ format: 'uuid' }),
            reason: Type.String({ minLength: 1, maxLength: 2000 }),
            ticket: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
            durationMinutes: Type.Integer({ minimum: 1, maximum: 10080 }),
            emergency: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: RequestSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await access.create(request.auth, request.body)),
  );

  r.get(
    '/api/requests',
    {
      schema: {
        querystring: Type.Object(
          { status: Type.Optional(Type.Union(REQUEST_STATUSES.map((s) => Type.Literal(s)))), hostId: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(RequestSchema) },
      },
    },
    async (request) => access.list(request.auth, request.query),
  );

  r.get('/api/requests/:id', { schema: { params: IdParams, response: { 200: RequestSchema } } }, async (request) =>
    access.get(request.auth, request.params.id),
  );

  r.post(
    '/api/requests/:id/approve',
    {
      schema: {
        params: IdParams,
        body: Type.Optional(Type.Object({ comment: Type.Optional(Comment) }, { additionalProperties: false })),
        response: { 200: RequestSchema },
      },
    },
    async (request) => access.approve(request.auth, request.params.id, request.body?.comment),
  );

  r.post(
    '/api/requests/:id/deny',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ comment: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: RequestSchema },
      },
    },
    async (request) => access.deny(request.auth, request.params.id, request.body.comment),
  );

  r.post('/api/requests/:id/revoke', { schema: { params: IdParams, response: { 200: RequestSchema } } }, async (request) =>
    access.revoke(request.auth, request.params.id),
  );

  r.post(
    '/api/requests/:id/withdraw',
    {
      schema: { params: IdParams, response: { 200: RequestSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } },
    },
    async (request) => access.withdraw(request.auth, request.params.id),
  );
}
