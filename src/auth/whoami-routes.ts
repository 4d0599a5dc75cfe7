// "Am I logged in?" without an error: the web app asks this on a fresh visit,
// where a 401 from /api/me would be an expected answer logged as a failure.
// It runs the same token verification as every other route.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { UserSchema } from '../schemas.js';

export default async function whoamiRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/auth/session',
    {
      schema: { response: { 200: Type.Object({ user: Type.Union([UserSchema, Type.Null()]) }) } },
    },
    async (request) => {
      try {
        await app.authenticate(request);
      } catch (error) {
        if (error instanceof AppError && error.statusCode === 401) return { user: null };
        throw error;
      }
      return { user: request.auth };
    },
  );
}
