// The replicas as people see them: who holds a lease now (for the fleet page's
// owner column), and an admin's hand-over of a local host whose owner is gone
// for good (src/replicas/host-handover.ts).
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { HostSchema, IdParams } from '../schemas.js';
import type { HostHandover } from './host-handover.js';

export const ReplicaSchema = Type.Object({
  id: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  heartbeatAt: Type.String({ format: 'date-time' }),
  leaseUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  alive: Type.Boolean(),
});

export default async function replicaAdminRoutes(app: FastifyInstance, { handover }: { handover: HostHandover }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  r.get('/api/replicas', { schema: { response: { 200: Type.Array(ReplicaSchema) } } }, async () => handover.replicas());

  r.post(
    '/api/hosts/:id/owner',
    {
      // The role first, then the body: a non-admin learns nothing about which inputs would be accepted.
      onRequest: requireRole('admin'),
      schema: {
        params: IdParams,
        body: Type.Object({ replica: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: HostSchema },
      },
    },
    async (request) => handover.handOver(request.auth, request.params.id, request.body.replica),
  );
}
