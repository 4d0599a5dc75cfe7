// Fleet consistency over HTTP: the exceptions report for everyone who sees
// the fleet; environment targets and maximum ages for admins.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ENVIRONMENT_PATTERN, IMAGE_VERSION_PATTERN } from '../hosts/host-admin-fns.js';
import { ErrorSchema, HostSchema } from '../schemas.js';
import { REASON_KINDS } from './fleet-fns.js';
import type { FleetService } from './fleet-service.js';
import type { RolloutService } from './rollout-service.js';
import type { DrillService } from './drill-service.js';
import { DRILL_WINDOW_PATTERN } from './drill-fns.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Kind = Type.Unsafe<(typeof REASON_KINDS)[number]>(Type.String({ enum: REASON_KINDS }));

export const EnvironmentSchema = Type.Object({
  environment: Type.String(),
  targetVersion: Nullable(Type.String()),
  maxHostAgeHours: Nullable(Type.Integer()),
  drillWindow: Nullable(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const FleetReportSchema = Type.Object({
  environments: Type.Array(
    Type.Object({
      environment: Type.String(),
      targetVersion: Nullable(Type.String()),
      peerVersion: Nullable(Type.String()),
      maxHostAgeHours: Nullable(Type.Integer()),
      hosts: Type.Integer(),
      exceptions: Type.Integer(),
      byKind: Type.Record(Type.String(), Type.Integer()),
    }),
  ),
  exceptions: Type.Array(
    Type.Object({
      host: HostSchema,
      reasons: Type.Array(Type.Object({ kind: Kind, why: Type.String(), since: Type.String({ format: 'date-time' }) })),
    }),
  ),
});

const Image = Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() });
/** Replacement success rate and time to replace, per environment and provider, over a number of days. */
export const ReplacementRecordSchema = Type.Object({
  days: Type.Integer(),
  environment: Type.String(),
  provider: Type.String(),
  finished: Type.Integer(),
  succeeded: Type.Integer(),
  successRate: Type.Number(),
  p50Seconds: Nullable(Type.Integer()),
  p95Seconds: Nullable(Type.Integer()),
});

export const RolloutSchema = Type.Object({
  id: Type.String(),
  environment: Type.String(),
  from: Image,
  to: Image,
  maxUnavailable: Type.Integer(),
  status: Type.String(),
  error: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  progress: Type.Object({
    total: Type.Integer(),
    replaced: Type.Integer(),
    inProgress: Type.Integer(),
    failed: Type.Integer(),
    waitingForSessions: Type.Integer(),
  }),
});

export default async function fleetRoutes(
  app: FastifyInstance,
  { fleet, rollouts, drills }: { fleet: FleetService; rollouts: RolloutService; drills: DrillService },
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  r.get('/api/fleet', { schema: { response: { 200: FleetReportSchema, 401: ErrorSchema } } }, async () => fleet.report());

  r.get('/api/environments', { schema: { response: { 200: Type.Array(EnvironmentSchema), 401: ErrorSchema } } }, async () => fleet.environments());

  r.put(
    '/api/environments/:environment',
    {
      preValidation: requireRole('admin'),
      schema: {
        params: Type.Object({ environment: Type.String({ pattern: ENVIRONMENT_PATTERN }) }),
        body: Type.Object(
          {
            targetVersion: Type.Optional(Nullable(Type.String({ pattern: IMAGE_VERSION_PATTERN }))),
            maxHostAgeHours: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 24 * 3650 }))),
            drillWindow: Type.Optional(Nullable(Type.String({ pattern: DRILL_WINDOW_PATTERN }))),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: EnvironmentSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (request) => fleet.putEnvironment(request.auth, request.params.environment, request.body),
  );

  r.get(
    '/api/rollouts',
    {
      schema: {
        querystring: Type.Object({ environment: Type.Optional(Type.String({ pattern: ENVIRONMENT_PATTERN })) }, { additionalProperties: false }),
        response: { 200: Type.Array(RolloutSchema), 400: ErrorSchema, 401: ErrorSchema },
      },
    },
    async (request) => rollouts.list(request.query.environment),
  );

  r.post(
    '/api/rollouts',
    {
      preValidation: requireRole('admin'),
      schema: {
        body: Type.Object(
          {
            environment: Type.String({ pattern: ENVIRONMENT_PATTERN }),
            fromImageId: Type.String({ format: 'uuid' }),
            toImageId: Type.String({ format: 'uuid' }),
            maxUnavailable: Type.Integer({ minimum: 1, maximum: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: RolloutSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await rollouts.start(request.auth, request.body)),
  );

  r.get(
    '/api/drift/record',
    {
      schema: {
        response: {
          200: Type.Array(ReplacementRecordSchema),
          401: ErrorSchema,
        },
      },
    },
    async () => drills.record(),
  );
}
