// User administration over HTTP (admin role). Authentication and the role are
// checked on request, before the body is validated.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ROLES } from '../auth/roles.js';
import { errorResponses as errors, IdParams, UserAdminSchema } from '../schemas.js';
import { MAX_PASSWORD_LENGTH, USERNAME_PATTERN } from './user-fns.js';
import type { UserService } from './user-service.js';

const Roles = Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, maxItems: ROLES.length, uniqueItems: true });
// The length rule is the service's (it names the minimum); the schema only bounds the body.
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });

export default async function userRoutes(app: FastifyInstance, { users }: { users: UserService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', requireRole('admin'));

  r.get('/api/users', { schema: { response: { 200: Type.Array(UserAdminSchema), ...errors(401, 403) } } }, async () => users.list());

  r.post(
    '/api/users',
    {
      schema: {
        body: Type.Object(
          {
            username: Type.String({ pattern: USERNAME_PATTERN }),
            password: Password,
            roles: Roles,
            email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserAdminSchema, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await users.create(request.auth, request.body)),
  );

  r.post('/api/users/:id/disable', { schema: { params: IdParams, response: { 200: UserAdminSchema, ...errors(400, 401, 403, 404, 409) } } }, async (request) =>
    users.setDisabled(request.auth, request.params.id, true),
  );

  r.post('/api/users/:id/enable', { schema: { params: IdParams, response: { 200: UserAdminSchema, ...errors(400, 401, 403, 404) } } }, async (request) =>
    users.setDisabled(request.auth, request.params.id, false),
  );

  r.put(
    '/api/users/:id/roles',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ roles: Roles }, { additionalProperties: false }),
        response: { 200: UserAdminSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => users.setRoles(request.auth, request.params.id, request.body.roles),
  );

  r.post(
    '/api/users/:id/password',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: { 200: UserAdminSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => users.resetPassword(request.auth, request.params.id, request.body.password),
  );
}
