// Host administration over HTTP (admin role). Authentication and the role are
// checked on request, before the body is validated: a non-admin learns nothing
// about which inputs would be accepted.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { HostAdminSchema, IdParams, ImageAdminSchema } from '../schemas.js';
import { ENVIRONMENT_PATTERN, HOST_NAME_PATTERN, IMAGE_NAME_PATTERN, IMAGE_SOURCE_PATTERN, IMAGE_VERSION_PATTERN } from './host-admin-fns.js';
import type { HostAdminService } from './host-admin-service.js';

const Environment = Type.String({ pattern: ENVIRONMENT_PATTERN });
const ConnectorConfig = Type.Record(Type.String(), Type.Unknown());

export default async function hostAdminRoutes(app: FastifyInstance, { hostAdmin }: { hostAdmin: HostAdminService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', requireRole('admin'));

  r.get('/api/images', { schema: { response: { 200: Type.Array(ImageAdminSchema) } } }, async () => hostAdmin.listImages());

  r.post(
    '/api/images',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ pattern: IMAGE_NAME_PATTERN }),
            version: Type.String({ pattern: IMAGE_VERSION_PATTERN }),
            source: Type.String({ pattern: IMAGE_SOURCE_PATTERN }),
          },
          { additionalProperties: false },
        ),
        response: { 201: ImageAdminSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await hostAdmin.createImage(request.auth, request.body)),
  );

  r.post(
    '/api/hosts',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ pattern: HOST_NAME_PATTERN }),
            environment: Environment,
            imageId: Type.String({ format: 'uuid' }),
            connector: Type.String({ minLength: 1, maxLength: 32 }),
            connectorConfig: Type.Optional(ConnectorConfig),
          },
          { additionalProperties: false },
        ),
        response: { 201: HostAdminSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await hostAdmin.createHost(request.auth, request.body)),
  );

  r.get('/api/hosts/:id/settings', { schema: { params: IdParams, response: { 200: HostAdminSchema } } }, async (request) =>
    hostAdmin.settings(request.params.id),
  );

  r.patch(
    '/api/hosts/:id',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          { environment: Type.Optional(Environment), connectorConfig: Type.Optional(ConnectorConfig) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: HostAdminSchema },
      },
    },
    async (request) => hostAdmin.updateHost(request.auth, request.params.id, request.body),
  );

  r.delete('/api/hosts/:id', { schema: { params: IdParams, response: { 200: HostAdminSchema } } }, async (request) =>
    hostAdmin.retireHost(request.auth, request.params.id),
  );
}
