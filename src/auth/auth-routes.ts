import rateLimit from '@fastify/rate-limit';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, UnauthorizedError } from '../errors.js';
import { LoginThrottle } from './login-throttle.js';
import { COOKIE } from './auth-plugin.js';
import type { AuthService } from './auth-service.js';
import { ErrorSchema, UserSchema } from '../schemas.js';
import { startSession } from './session-cookie.js';

const Credentials = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export default async function authRoutes(
  app: FastifyInstance,
  opts: { auth: AuthService; loginPerMinute: number; secureCookie: boolean; endSessionUrl?: (userId: string) => Promise<string | undefined> },
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(rateLimit, { global: false });
  const throttle = new LoginThrottle(opts.loginPerMinute);

  r.post(
    '/api/auth/login',
    {
      config: {
        rateLimit: {
          max: opts.loginPerMinute,
          timeWindow: '1 minute',
          errorResponseBuilder: (_req, ctx) => new AppError(429, 'rate_limited', `Too many login attempts: try again in ${ctx.after}.`),
        },
      },
      schema: {
        body: Credentials,
        response: { 200: Type.Object({ token: Type.String(), user: UserSchema }), 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      throttle.check(request.body.username, request.ip);
      const issued = await opts.auth.login(request.body.username, request.body.password, request.ip).catch((err: Error) => {
        if (err instanceof UnauthorizedError) throttle.failed(request.body.username, request.ip);
        throw err;
      });
      return { token: await startSession(reply, issued, opts.secureCookie), user: issued.user };
    },
  );

  // A single sign-on user is also sent to the provider's end-session endpoint, when it has one.
  const LogoutSchema = Type.Object({ ok: Type.Boolean(), endSessionUrl: Type.Optional(Type.String()) });
  r.post('/api/auth/logout', { preValidation: app.authenticate, schema: { response: { 200: LogoutSchema, 401: ErrorSchema } } }, async (request, reply) => {
    await opts.auth.logout(request.auth, request.auth.jti);
    reply.clearCookie(COOKIE, { path: '/' });
    const endSessionUrl = await opts.endSessionUrl?.(request.auth.id);
    return endSessionUrl ? { ok: true, endSessionUrl } : { ok: true };
  });

  r.get('/api/me', { preValidation: app.authenticate, schema: { response: { 200: UserSchema, 401: ErrorSchema } } }, async (request) => request.auth);
}
