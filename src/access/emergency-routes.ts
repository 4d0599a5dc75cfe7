import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorSchema, errorResponses, IdParams, RequestSchema } from '../schemas.js';
import type { AccessService } from './access-service.js';
import { REVIEW_STATES, type EmergencyService } from './emergency-service.js';

/** The policy fields of issue 12, optional in PUT /api/policies/:environment. */
export const PeopleInTheLoopPolicy = {
  idleTimeoutMinutes: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1440 }), Type.Null()])),
  emergencyAllowed: Type.Optional(Type.Boolean()),
  emergencyApprovalsRequired: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
  emergencyMaxDurationMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10080 })),
  reviewWithinHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
};

const Errors = errorResponses(400, 401, 403, 404, 409);

export default async function emergencyRoutes(app: FastifyInstance, { access, emergency }: { access: AccessService; emergency: EmergencyService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);

  r.get(
    '/api/reviews',
    {
      schema: {
        querystring: Type.Object({ state: Type.Optional(Type.Union(REVIEW_STATES.map((s) => Type.Literal(s)))) }, { additionalProperties: false }),
        response: { 200: Type.Array(RequestSchema), 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (request) => emergency.list(request.auth, request.query.state),
  );

  r.post(
    '/api/requests/:id/review',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          { outcome: Type.Union([Type.Literal('acknowledged'), Type.Literal('flagged')]), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 200: RequestSchema, ...Errors },
      },
    },
    async (request) => {
      await emergency.review(request.auth, request.params.id, request.body);
      return access.get(request.auth, request.params.id);
    },
  );
}
