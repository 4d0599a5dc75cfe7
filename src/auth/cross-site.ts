// Cross-site request refusal: a browser sends the login cookie with any
// request to the broker, whoever's page made it. A request that changes
// something and does not carry its own Authorization header must come from
// this broker's own pages: a foreign Origin, or Sec-Fetch-Site saying
// cross-site or same-site (a sibling host), gets 403. Requests with neither
// header (curl, scripts) are not from a browser page and pass.
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether an Origin header names this broker (the Host it was reached at) or one of the allowed origins. */
export function isOwnOrigin(origin: string, host: string | undefined, allowed: string[]): boolean {
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function crossSiteGuard(allowed: string[]) {
  return async (request: FastifyRequest) => {
    if (SAFE_METHODS.has(request.method) || request.headers.authorization) return;
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new ForbiddenError('Cross-site request refused.', 'cross_site');
    const origin = request.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin, request.headers.host, allowed)) throw new ForbiddenError('Cross-origin request refused.', 'cross_site');
  };
}
