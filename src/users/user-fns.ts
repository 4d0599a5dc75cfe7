// The rules of a local account, checked at the edge (HTTP, CLI) and again in
// the service: name shape, password length, a known and non-repeated role set.
import { ROLES, type Role } from '../auth/roles.js';
import { ValidationError } from '../errors.js';

export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

/** Why `password` is not acceptable for `username`, or undefined. Never echoes the password. */
export function passwordProblem(username: string, password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `A password has at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (password.toLowerCase().includes(username.toLowerCase())) return 'A password must not contain the username.';
  return undefined;
}

export function checkPassword(username: string, password: string): void {
  const problem = passwordProblem(username, password);
  if (problem) throw new ValidationError(problem);
}

export function checkUsername(username: string): void {
  if (!new RegExp(USERNAME_PATTERN).test(username)) throw new ValidationError('A username is 1 to 64 letters, digits, dots, dashes, underscores or @.');
}

export function checkRoles(roles: string[]): Role[] {
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new ValidationError(`Unknown role ${unknown.join(', ')}: roles are ${ROLES.join(', ')}.`);
  return [...new Set(roles)].sort((a, b) => ROLES.indexOf(a as Role) - ROLES.indexOf(b as Role)) as Role[];
}

/** The same person behind two accounts, as far as the broker can tell: the same e-mail, compared case-insensitively. */
export function sameEmail(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();
}
