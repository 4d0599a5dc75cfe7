// The owner's end of the replica-to-replica hop (see replica-hop.ts): a
// requester's terminal websocket, a session opened on a local host this
// replica owns, or a rebuild of one, forwarded by another replica. No cookie or
// bearer token here: the hop token, bound to this replica and this subject and
// valid for seconds, says which already-authenticated user it carries.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { UnauthorizedError } from '../errors.js';
import { ErrorSchema, IdParams } from '../schemas.js';
import { HOP_HEADER, type ReplicaHop } from './replica-hop.js';
import type { ReplacementService } from '../replacement/replacement-service.js';
import { MAX_COLS, MAX_ROWS } from './protocol.js';
import { releaseUpgrade } from './release-upgrade.js';
import type { SessionService } from './session-service.js';

type Opts = { sessions: SessionService; hop: ReplicaHop; replacements: Pick<ReplacementService, 'run'> };

export default async function replicaRoutes(app: FastifyInstance, { sessions, hop, replacements }: Opts) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const attachments = new WeakMap<FastifyRequest, (ws: WebSocket) => void>();
  const claims = (request: FastifyRequest, subject: string) => {
    const header = request.headers[HOP_HEADER];
    const c = hop.verify(typeof header === 'string' ? header : undefined, subject);
    if (!c) throw new UnauthorizedError('This route is for broker replicas: a valid hop token is required.');
    return c;
  };

  // A session on a local host this replica owns, asked for through another replica.
  r.post(
    '/internal/requests/:id/sessions',
    {
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object(
          { cols: Type.Integer({ minimum: 1, maximum: MAX_COLS }), rows: Type.Integer({ minimum: 1, maximum: MAX_ROWS }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String(), expiresAt: Type.String() }), 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { userId } = claims(request, `request:${request.params.id}`);
      if (!userId) throw new UnauthorizedError('A forwarded open names its user.');
      return reply.code(201).send(await sessions.openForwarded(userId, request.params.id, request.body));
    },
  );

  // A rebuild of a local host this replica owns, picked up by another replica's job worker.
  r.post(
    '/internal/replacements/:id/run',
    {
      schema: { hide: true, params: IdParams, response: { 204: Type.Null(), 401: ErrorSchema } },
    },
    async (request, reply) => {
      claims(request, `replacement:${request.params.id}`);
      await replacements.run(request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/internal/sessions/:id/terminal',
    {
      websocket: true,
      schema: { hide: true, params: IdParams, response: { 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema } },
      preHandler: async (request) => {
        const { id } = request.params as { id: string };
        const { userId } = claims(request, `session:${id}`);
        if (!userId) throw new UnauthorizedError('A forwarded attach names its user.');
        attachments.set(request, await sessions.attachForwarded(userId, id));
      },
    },
    (socket, request) => {
      const attach = attachments.get(request);
      attachments.delete(request);
      releaseUpgrade(socket, request);
      if (attach) attach(socket);
      else socket.close(1011, 'not attached');
    },
  );
}
