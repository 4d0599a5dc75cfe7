// The broker's session: a signed JWT (its jti names a live auth_tokens row) in
// an httpOnly SameSite=Strict cookie, set the same way after a password login
// and after a single sign-on callback.
import type { FastifyReply } from 'fastify';
import { COOKIE } from './auth-plugin.js';
import type { TokenClaims } from './auth-service.js';

export async function startSession(reply: FastifyReply, issued: { claims: TokenClaims; expiresAt: Date }, secureCookie: boolean): Promise<string> {
  const token = await reply.jwtSign(issued.claims, { expiresIn: Math.floor((issued.expiresAt.getTime() - Date.now()) / 1000) });
  reply.setCookie(COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secureCookie, path: '/', expires: issued.expiresAt });
  return token;
}
