import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ENVIRONMENT_PATTERN } from '../hosts/host-admin-fns.js';
import { errorResponses, IdParams } from '../schemas.js';
import { AUDIENCES, NOTIFICATION_EVENTS } from './notification-events.js';
import type { NotificationService } from './notification-service.js';

export const ChannelSchema = Type.Object({
  id: Type.String(),
  environment: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  target: Type.String(),
  hasSecret: Type.Boolean(),
  events: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export const DeliverySchema = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  /** The channel's name, or null for a delivery in person (then `user` names the recipient). */
  channel: Type.Union([Type.String(), Type.Null()]),
  user: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  environment: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
});
/** What a change to a channel may carry (the same bounds as adding one). */
const ChannelFields = {
  environment: Type.String({ pattern: ENVIRONMENT_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x20-\\x7e]+$' }),
  target: Type.String({ minLength: 3, maxLength: 2000 }),
  secret: Type.String({ minLength: 16, maxLength: 200 }),
  audiences: Type.Array(Type.Union(Object.keys(AUDIENCES).map((a) => Type.Literal(a as keyof typeof AUDIENCES))), { maxItems: 3 }),
  events: Type.Array(Type.Union(NOTIFICATION_EVENTS.map((e) => Type.Literal(e))), { maxItems: NOTIFICATION_EVENTS.length }),
};

export default async function notificationRoutes(app: FastifyInstance, { notifications }: { notifications: NotificationService }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.authenticate);
  app.addHook('preValidation', requireRole('admin'));

  r.get(
    '/api/notifications/channels',
    {
      schema: {
        querystring: Type.Object({ environment: Type.Optional(Type.String({ pattern: ENVIRONMENT_PATTERN })) }, { additionalProperties: false }),
        response: { 200: Type.Array(ChannelSchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => notifications.listChannels(request.query.environment),
  );

  r.post(
    '/api/notifications/channels',
    {
      schema: {
        body: Type.Object(
          {
            environment: Type.String({ pattern: ENVIRONMENT_PATTERN }),
            name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x20-\\x7e]+$' }),
            kind: Type.Union([Type.Literal('webhook'), Type.Literal('slack'), Type.Literal('email')]),
            target: Type.String({ minLength: 3, maxLength: 2000 }),
            secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
            audiences: Type.Optional(Type.Array(Type.Union(Object.keys(AUDIENCES).map((a) => Type.Literal(a as keyof typeof AUDIENCES))), { maxItems: 3 })),
            events: Type.Optional(Type.Array(Type.Union(NOTIFICATION_EVENTS.map((e) => Type.Literal(e))), { maxItems: NOTIFICATION_EVENTS.length })),
          },
          { additionalProperties: false },
        ),
        response: { 201: ChannelSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await notifications.addChannel(request.auth, request.body)),
  );

  r.patch(
    '/api/notifications/channels/:id',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          {
            environment: Type.Optional(ChannelFields.environment),
            name: Type.Optional(ChannelFields.name),
            target: Type.Optional(ChannelFields.target),
            secret: Type.Optional(ChannelFields.secret),
            audiences: Type.Optional(ChannelFields.audiences),
            events: Type.Optional(ChannelFields.events),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ChannelSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => notifications.updateChannel(request.auth, request.params.id, request.body),
  );

  r.delete(
    '/api/notifications/channels/:id',
    {
      schema: { params: IdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      await notifications.removeChannel(request.auth, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/notifications/deliveries',
    {
      schema: {
        querystring: Type.Object(
          { status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(DeliverySchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => notifications.listDeliveries(request.query),
  );
}
