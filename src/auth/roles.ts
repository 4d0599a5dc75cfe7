export const ROLES = ['requester', 'approver', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface AuthUser {
  id: string;
  username: string;
  roles: Role[];
}

export function hasRole(user: AuthUser, ...roles: Role[]): boolean {
  return roles.some((r) => user.roles.includes(r));
}

// Who may see what, in one place: routes and services ask these, not role lists.

/** Reads every request, session and recording, not only their own. */
export function seesEverything(user: AuthUser): boolean {
  return hasRole(user, 'approver', 'auditor', 'admin');
}

/** Watches a live session read-only (the requester alone controls it). */
export function mayWatch(user: AuthUser): boolean {
  return hasRole(user, 'approver', 'auditor');
}

/** Revokes a grant that is not their own. */
export function mayRevokeOthers(user: AuthUser): boolean {
  return hasRole(user, 'approver', 'admin');
}
