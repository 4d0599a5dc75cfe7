// Pure rules of single sign-on: which roles a set of claims maps to, which
// username a new account gets, where the browser may be sent back to.
import { ROLES, type Role } from '../roles.js';

/** The claim at `path` (dots walk into objects, as in Keycloak's realm_access.roles), as a list of strings. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims[path];
  if (value === undefined && path.includes('.'))
    value = path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), claims);
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function rolesFromClaims(claims: Record<string, unknown>, claim: string, mapping: Partial<Record<Role, string[]>>): Role[] {
  const groups = new Set(claimValues(claims, claim));
  return ROLES.filter((role) => (mapping[role] ?? []).some((g) => groups.has(g)));
}

/** A readable, valid username from the claims; uniqueness is the caller's (it adds -2, -3...). */
export function usernameFromClaims(claims: Record<string, unknown>): string {
  const pick = [claims.preferred_username, claims.email, claims.sub].find((v): v is string => typeof v === 'string' && v.length > 0) ?? 'user';
  return pick.replace(/[^A-Za-z0-9._@-]/g, '-').slice(0, 56) || 'user';
}

/** Only a path on this site: never `//host` or an absolute URL (no open redirect). */
export function safeNext(next: string | undefined | null): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && next.length <= 512 ? next : '/';
}

export function stringClaim(claims: Record<string, unknown>, name: string): string | null {
  const v = claims[name];
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 254) : null;
}
