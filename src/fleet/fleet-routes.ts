// Fleet consistency over HTTP: the exceptions report for everyone who sees
// the fleet; environment targets and maximum ages for admins.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ENVIRONMENT_PATTERN, IMAGE_VERSION_PATTERN } from '../hosts/host-admin-fns.js';
import { ErrorSchema, HostSchema } from '../schemas.js';
import { REASON_KINDS } from './fleet-fns.js';
import type { FleetService } from './fleet-service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Kind = Type.Unsafe<(typeof REASON_KINDS)[number]>(Type.String({ enum: REASON_KINDS }));

export const EnvironmentSchema = Type.Object({
  environment: Type.String(), targetVersion: Nullable(Type.String()), maxHostAgeHours: Nullable(Type.Integer()), updatedAt: Type.String({ format: 'date-time' }),
});

export const FleetReportSchema = Type.Object({
  environments: Type.Array(Type.Object({
    environment: Type.String(), targetVersion: Nullable(Type.String()), peerVersion: Nullable(Type.String()), maxHostAgeHours: Nullable(Type.Integer()),
    hosts: Type.Integer(), exceptions: Type.Integer(), byKind: Type.Record(Type.String(), Type.Integer()),
  })),
  exceptions: Type.Array(Type.Object({
    host: HostSchema,
    reasons: Type.Array(Type.Object({ kind: Kind, why: Type.String(), since: Type.String({ format: 'date-time' }) })),
  })),
});

export default async function fleetRoutes(app: FastifyInstance, { fleet }: { fleet: FleetService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  r.get('/api/fleet', { schema: { response: { 200: FleetReportSchema, 401: ErrorSchema } } }, async () => fleet.report());

  r.get('/api/environments', { schema: { response: { 200: Type.Array(EnvironmentSchema), 401: ErrorSchema } } }, async () => fleet.environments());

  r.put('/api/environments/:environment', {
    preHandler: requireRole('admin'),
    schema: {
      params: Type.Object({ environment: Type.String({ pattern: ENVIRONMENT_PATTERN }) }),
      body: Type.Object({
        targetVersion: Type.Optional(Nullable(Type.String({ pattern: IMAGE_VERSION_PATTERN }))),
        maxHostAgeHours: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 24 * 3650 }))),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: EnvironmentSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
    },
  }, async (request) => fleet.putEnvironment(request.auth, request.params.environment, request.body));
}
