// Authentication for every /api route: a JWT in `Authorization: Bearer` or in the
// httpOnly cookie, checked against its live token row. Roles are guards on top.
import fastifyCookie from '@fastify/cookie';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { AuthService, TokenClaims } from './auth-service.js';
import { hasRole, type AuthUser, type Role } from './roles.js';

export const COOKIE = 'breakglass_token';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthUser & { jti: string };
  }
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<void>;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
  }
}

export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest) => {
    if (!hasRole(request.auth, ...roles)) throw new ForbiddenError(`This needs the ${roles.join(' or ')} role.`, 'role_required');
  };
}

export default fp(
  async function auth(app: FastifyInstance, opts: { secret: string; auth: AuthService }) {
    await app.register(fastifyCookie);
    await app.register(fastifyJwt, { secret: opts.secret, cookie: { cookieName: COOKIE, signed: false } });
    app.decorateRequest('auth', null as never);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      let claims: TokenClaims;
      try {
        claims = await request.jwtVerify<TokenClaims>();
      } catch {
        throw new UnauthorizedError();
      }
      const user = await opts.auth.resolve(claims);
      request.auth = { ...user, jti: claims.jti };
    });
  },
  { name: 'breakglass-auth' },
);
