import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { LoginWatch } from '../auth/login-watch.js';
import { ForbiddenError } from '../errors.js';
import type { RecordingService } from '../recording/recording-service.js';
import { IdParams, SessionSchema } from '../schemas.js';
import { END_REASONS, MAX_COLS, MAX_ROWS } from './protocol.js';
import { releaseUpgrade } from './release-upgrade.js';
import type { SessionService } from './session-service.js';

const SECONDS = '^[0-9]{1,7}(\\.[0-9]{1,3})?$';

type Opts = { sessions: SessionService; recordings: RecordingService; allowedOrigins: string[]; loginWatch: LoginWatch };

/** Browsers always send Origin on a websocket; it must be this broker's own (or listed). */
export function originAllowed(request: FastifyRequest, allowed: string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export default async function terminalRoutes(app: FastifyInstance, { sessions, recordings, allowedOrigins, loginWatch }: Opts) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const attachments = new WeakMap<FastifyRequest, (ws: WebSocket) => void>();

  r.post(
    '/api/requests/:id/sessions',
    {
      preValidation: app.authenticate,
      schema: {
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            {
              cols: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COLS })),
              rows: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROWS })),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Type.Object({ id: Type.String(), expiresAt: Type.String() }) },
      },
    },
    async (request, reply) => {
      const size = { cols: request.body?.cols ?? 80, rows: request.body?.rows ?? 24 };
      return reply.code(201).send(await sessions.open(request.auth, request.params.id, size));
    },
  );

  r.get(
    '/api/sessions',
    {
      preValidation: app.authenticate,
      schema: {
        querystring: Type.Object(
          {
            hostId: Type.Optional(Type.String({ format: 'uuid' })),
            requestId: Type.Optional(Type.String({ format: 'uuid' })),
            user: Type.Optional(Type.String({ maxLength: 64 })),
            endReason: Type.Optional(Type.Union(END_REASONS.map((r) => Type.Literal(r)))),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(SessionSchema) },
      },
    },
    async (request) => sessions.list(request.auth, request.query),
  );

  r.get('/api/sessions/:id', { preValidation: app.authenticate, schema: { params: IdParams, response: { 200: SessionSchema } } }, async (request) =>
    sessions.get(request.auth, request.params.id),
  );

  r.get(
    '/api/sessions/:id/recording',
    {
      preValidation: app.authenticate,
      schema: {
        params: IdParams,
        // Seconds since the session started; with either, only the events from <= t < to.
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ pattern: SECONDS })),
            to: Type.Optional(Type.String({ pattern: SECONDS })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const view = await sessions.get(request.auth, request.params.id);
      const row = await sessions.row(view.id);
      const cast = { id: view.id, cols: row.cols, rows: row.rows, startedAt: row.startedAt, title: `${view.user}@${view.hostName} (${view.id})` };
      const { from, to } = request.query;
      reply.type('application/x-asciicast');
      if (from !== undefined || to !== undefined) {
        return reply.send(recordings.castRange(cast, Number(from ?? 0), to === undefined ? Infinity : Number(to)));
      }
      reply.header('content-disposition', `attachment; filename="breakglass-${view.hostName}-${view.id}.cast"`);
      return reply.send(recordings.cast(cast));
    },
  );

  r.get(
    '/api/sessions/:id/recording/verify',
    {
      preValidation: app.authenticate,
      schema: {
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Boolean(), chunks: Type.Integer(), head: Type.String(), brokenAt: Type.Optional(Type.Integer()) }) },
      },
    },
    async (request) => {
      await sessions.get(request.auth, request.params.id);
      return recordings.verify(request.params.id);
    },
  );

  r.get(
    '/api/sessions/:id/terminal',
    {
      websocket: true,
      schema: { params: IdParams },
      preValidation: async (request) => {
        if (!originAllowed(request, allowedOrigins)) throw new ForbiddenError('Cross-origin websocket refused.', 'bad_origin');
        await app.authenticate(request);
      },
      // Decided before the upgrade, so a refusal is an HTTP status, not a closed socket.
      preHandler: async (request) => {
        attachments.set(request, await sessions.attach(request.auth, (request.params as { id: string }).id));
      },
    },
    (socket, request) => {
      const attach = attachments.get(request);
      attachments.delete(request);
      releaseUpgrade(socket, request);
      if (!attach) return socket.close(1011, 'not attached');
      // The socket lives only as long as the login it was opened with (see LoginWatch).
      const { id, username, jti } = request.auth;
      const unbind = loginWatch.bind({ sub: id, username, jti }, () => socket.close(4001, 'logged out'));
      socket.on('close', unbind);
      attach(socket);
    },
  );
}
