// The whole HTTP app as one function of the broker's services: tests build
// exactly what production runs. Third-party plugins first, then our routes,
// then the one error handler and the web app.
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import accessRoutes from './access/access-routes.js';
import auditRoutes from './audit/audit-routes.js';
import searchRoutes from './search/search-routes.js';
import authPlugin from './auth/auth-plugin.js';
import authRoutes from './auth/auth-routes.js';
import oidcRoutes from './auth/oidc/oidc-routes.js';
import whoamiRoutes from './auth/whoami-routes.js';
import type { Broker } from './broker.js';
import { AppError } from './errors.js';
import { describeRoute } from './openapi.js';
import { crossSiteGuard } from './auth/cross-site.js';
import { eventVisibility } from './events/event-visibility.js';
import eventsRoutes from './events/events-routes.js';
import evidenceRoutes from './evidence/evidence-routes.js';
import hostAdminRoutes from './hosts/host-admin-routes.js';
import hostRoutes from './hosts/host-routes.js';
import healthRoutes from './observability/health-routes.js';
import replacementRoutes from './replacement/replacement-routes.js';
import captureRoutes from './replacement/capture/capture-routes.js';
import webhookRoutes from './replacement/providers/webhook-routes.js';
import fleetRoutes from './fleet/fleet-routes.js';
import sshRoutes from './ssh/ssh-routes.js';
import replicaRoutes from './terminal/replica-routes.js';
import replicaAdminRoutes from './replicas/replica-admin-routes.js';
import terminalRoutes from './terminal/terminal-routes.js';
import userRoutes from './users/user-routes.js';
import emergencyRoutes from './access/emergency-routes.js';
import extensionRoutes from './access/extension-routes.js';
import notificationRoutes from './notifications/notification-routes.js';

const BODY_LIMIT = 16 * 1024;
const WS_MAX_FRAME = 256 * 1024;

/** `logStream` sends the logs elsewhere (tests read them); `logger: false` silences them. */
export async function buildApp(broker: Broker, opts: { logger?: false; logStream?: NodeJS.WritableStream } = {}): Promise<FastifyInstance> {
  const { config, services } = broker;
  const app = Fastify({
    logger: opts.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'body.password', 'token'],
      ...(opts.logStream ? { stream: opts.logStream } : {}),
    },
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' && /^[\w-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID(),
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // A URL the router refuses (malformed, or a path parameter past its length) gets the one error shape too.
    frameworkErrors: (err, _request, reply) => (reply as FastifyReply).code(400).send({ error: { code: 'bad_request', message: err.message } }),
  });

  // Bodies are JSON only: a text/plain or form body is 415, never a handler's input
  // (which also keeps cross-site "simple" form posts out).
  app.removeContentTypeParser(['text/plain']);

  // Security headers; the CSP allows only our own scripts and same-origin
  // connections (xterm.js sets inline styles, hence 'unsafe-inline' for styles only).
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: false,
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_FRAME } });
  // The OpenAPI document is generated from the same route schemas that validate requests.
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'breakglass',
        version: '1',
        description: 'Break-glass access broker. The contract is docs/api.md; the product and its invariants docs/design.md.',
      },
      servers: [{ url: '/', description: 'this broker' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.addHook('onRoute', describeRoute);
  await app.register(authPlugin, { secret: config.tokenSecret, auth: services.auth });

  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    if ((err as FastifyError).validation) {
      return reply.code(400).send({ error: { code: 'validation_error', message: err.message } });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status < 500) {
      const code = status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
      return reply.code(status).send({ error: { code, message: err.message } });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal_error', message: `Internal error; the broker log has the details (request id ${request.id}).` } });
  });

  app.addHook('onRequest', crossSiteGuard(config.allowedOrigins));
  // Shutting down: a response still in flight when close() began (another replica's
  // hop, say, a rebuild it waits for) ends its keep-alive connection, or close()
  // would wait for that peer to drop it (up to the 72 s keep-alive timeout).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  await app.register(authRoutes, {
    auth: services.auth,
    loginPerMinute: config.loginRateLimitPerMinute,
    secureCookie: config.secureCookie,
    endSessionUrl: services.oidc?.endSessionUrl,
  });
  await app.register(oidcRoutes, {
    oidc: services.oidc,
    localAccounts: config.localAccounts,
    secureCookie: config.secureCookie,
    perMinute: config.loginRateLimitPerMinute,
  });
  await app.register(whoamiRoutes);
  await app.register(accessRoutes, { access: services.access, policies: services.policies });
  await app.register(hostRoutes, { hosts: services.hosts });
  await app.register(hostAdminRoutes, { hostAdmin: services.hostAdmin });
  await app.register(sshRoutes, { ca: services.sshCa, serials: services.serials });
  await app.register(terminalRoutes, {
    sessions: services.sessions,
    recordings: services.recordings,
    allowedOrigins: config.allowedOrigins,
    loginWatch: broker.loginWatch,
  });
  await app.register(replacementRoutes, { replacements: services.replacements });
  await app.register(captureRoutes, { captures: services.captures, sessions: services.sessions });
  await app.register(webhookRoutes, { callbacks: services.webhookCallbacks });
  await app.register(fleetRoutes, { fleet: services.fleet, rollouts: services.rollouts, drills: services.drills });
  await app.register(auditRoutes, { audit: services.audit });
  await app.register(searchRoutes, { search: services.search });
  await app.register(eventsRoutes, { feed: broker.feed, loginWatch: broker.loginWatch, visible: eventVisibility(broker.db.prisma) });
  await app.register(evidenceRoutes, { evidence: services.evidence, sessions: services.sessions, checkpoints: services.checkpoints });
  await app.register(userRoutes, { users: services.users });
  await app.register(extensionRoutes, { access: services.access, extensions: services.extensions });
  await app.register(emergencyRoutes, { access: services.access, emergency: services.emergency });
  await app.register(notificationRoutes, { notifications: services.notifications });
  await app.register(replicaRoutes, { sessions: services.sessions, hop: services.hop, replacements: services.replacements });
  await app.register(replicaAdminRoutes, { handover: services.handover });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, {
    prisma: broker.db.prisma,
    writer: broker.writer,
    liveSessions: () => services.sessions.live.size,
    more: services.fleet.registerMetrics,
  });

  const webIndex = path.join(config.webDir, 'index.html');
  if (existsSync(webIndex)) await app.register(fastifyStatic, { root: config.webDir, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === 'GET' && !request.url.startsWith('/api/') && existsSync(webIndex);
    if (wantsPage) return reply.type('text/html').sendFile('index.html');
    return reply.code(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` } });
  });

  return app;
}
