// Single sign-on over HTTP: which ways to log in there are (for the login
// page), the redirect to the provider, and the provider's callback. The
// callback is a top-level GET from the provider's site: it is protected by the
// one-time state, a browser-binding cookie (SameSite=Lax, so it survives that
// cross-site redirect), PKCE and the nonce, not by the Origin of the request.
import rateLimit from '@fastify/rate-limit';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { ErrorSchema } from '../../schemas.js';
import { startSession } from '../session-cookie.js';
import type { OidcService } from './oidc-service.js';

const BINDING_COOKIE = 'breakglass_oidc';
const BINDING_PATH = '/api/auth/oidc';
const Redirect = { 302: Type.Null({ description: 'Location: where the browser goes next' }) };

export default async function oidcRoutes(
  app: FastifyInstance,
  opts: { oidc: OidcService | undefined; localAccounts: boolean; secureCookie: boolean; perMinute: number },
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { oidc } = opts;
  // Starting a sign-in writes a row and the callback talks to the provider: both are limited like password logins.
  await app.register(rateLimit, { global: false });
  const limited = {
    rateLimit: {
      max: opts.perMinute,
      timeWindow: '1 minute',
      errorResponseBuilder: (_req: unknown, ctx: { after: string }) =>
        new AppError(429, 'rate_limited', `Too many sign-in attempts: try again in ${ctx.after}.`),
    },
  };

  r.get(
    '/api/auth/providers',
    {
      schema: {
        security: [],
        response: {
          200: Type.Object({ localAccounts: Type.Boolean(), sso: Type.Union([Type.Object({ name: Type.String(), startUrl: Type.String() }), Type.Null()]) }),
        },
      },
    },
    async () => ({ localAccounts: opts.localAccounts, sso: oidc ? { name: oidc.displayName, startUrl: `${BINDING_PATH}/start` } : null }),
  );

  if (!oidc) return;

  r.get(
    '/api/auth/oidc/start',
    {
      config: limited,
      schema: {
        security: [],
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 512 })) }),
        response: { ...Redirect, 400: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { url, binding } = await oidc.start(request.query.next);
      reply.setCookie(BINDING_COOKIE, binding, { httpOnly: true, sameSite: 'lax', secure: opts.secureCookie, path: BINDING_PATH, maxAge: 600 });
      return reply.redirect(url, 302);
    },
  );

  r.get(
    '/api/auth/oidc/callback',
    {
      config: limited,
      schema: {
        security: [],
        querystring: Type.Object(
          {
            code: Type.Optional(Type.String({ maxLength: 2048 })),
            state: Type.Optional(Type.String({ maxLength: 512 })),
            error: Type.Optional(Type.String({ maxLength: 256 })),
          },
          { additionalProperties: true },
        ),
        response: { ...Redirect, 400: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const outcome = await oidc.callback(query, request.cookies[BINDING_COOKIE], request.ip);
      reply.clearCookie(BINDING_COOKIE, { path: BINDING_PATH });
      if (!outcome.ok) return reply.redirect(outcome.reason === 'no_role' ? '/no-access' : `/login?sso=${outcome.reason}`, 302);
      await startSession(reply, outcome.issued, opts.secureCookie);
      return reply.redirect(outcome.next, 302);
    },
  );
}
