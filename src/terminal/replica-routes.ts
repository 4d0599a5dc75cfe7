// The owner's end of the replica-to-replica hop (see replica-hop.ts): a
// requester's terminal websocket forwarded by another replica. No cookie or
// bearer token here: the hop token, bound to this replica and this session and
// valid for seconds, says which already-authenticated user it carries.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { UnauthorizedError } from '../errors.js';
import { IdParams } from '../schemas.js';
import { HOP_HEADER, type ReplicaHop } from './replica-hop.js';
import type { SessionService } from './session-service.js';

const ErrorSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export default async function replicaRoutes(app: FastifyInstance, { sessions, hop }: { sessions: SessionService; hop: ReplicaHop }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const attachments = new WeakMap<FastifyRequest, (ws: WebSocket) => void>();

  r.get('/internal/sessions/:id/terminal', {
    websocket: true,
    schema: { hide: true, params: IdParams, response: { 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema } },
    preHandler: async (request) => {
      const { id } = request.params as { id: string };
      const header = request.headers[HOP_HEADER];
      const claims = hop.verify(typeof header === 'string' ? header : undefined, id);
      if (!claims) throw new UnauthorizedError('This route is for broker replicas: a valid hop token is required.');
      attachments.set(request, await sessions.attachForwarded(claims.userId, id));
    },
  }, (socket, request) => {
    const attach = attachments.get(request);
    attachments.delete(request);
    if (attach) attach(socket);
    else socket.close(1011, 'not attached');
  });
}
