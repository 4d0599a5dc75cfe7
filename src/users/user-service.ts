// Local accounts and their administration. Every change is one transaction with
// its audit event; disabling a user or changing their roles also revokes every
// auth token of theirs in that transaction, so their sessions end with it.
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { hashPassword } from '../auth/password-fns.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { Role } from '../auth/roles.js';
import type { UserAdminView } from '../schemas.js';
import { checkPassword, checkRoles, checkUsername, sameEmail } from './user-fns.js';

export interface UserRow {
  id: string;
  username: string;
  roles: string[];
  email: string | null;
  displayName: string | null;
  oidcIssuer: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export function toUserView(u: UserRow): UserAdminView {
  return {
    id: u.id,
    username: u.username,
    roles: u.roles as Role[],
    email: u.email,
    displayName: u.displayName,
    source: u.oidcIssuer ? ('sso' as const) : ('local' as const),
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
  };
}

export type UserView = ReturnType<typeof toUserView>;

/** Ends every live token of the user: issue 8's sweep then closes their terminals and streams. */
export async function revokeTokens(tx: Tx, userId: string): Promise<number> {
  const { count } = await tx.authToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}

export interface NewUser {
  username: string;
  password: string;
  roles: string[];
  email?: string;
}

export function userService(prisma: PrismaClient) {
  async function change(_actor: Actor | null, id: string, fn: (tx: Tx, user: UserRow) => Promise<UserRow>): Promise<UserView> {
    return toUserView(
      await prisma.$transaction(async (tx) => {
        // Row lock: two admins changing one user queue instead of interleaving.
        const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${id}::uuid FOR UPDATE`;
        if (!locked.length) throw new NotFoundError('User');
        return fn(tx, await tx.user.findUniqueOrThrow({ where: { id } }));
      }),
    );
  }

  function refuseSelfLockout(actor: Actor | null, user: UserRow, what: string) {
    if (actor?.id === user.id) throw new ConflictError(`You cannot ${what} your own account: ask another admin.`, 'self_lockout');
  }

  return {
    async list(): Promise<UserView[]> {
      return (await prisma.user.findMany({ orderBy: { username: 'asc' } })).map(toUserView);
    },

    /** A local account. `via` says where it came from in the audit trail (the API or the admin CLI). */
    async create(actor: Actor | null, input: NewUser, via: 'api' | 'cli' = 'api'): Promise<UserView> {
      checkUsername(input.username);
      checkPassword(input.username, input.password);
      const roles = checkRoles(input.roles);
      const passwordHash = await hashPassword(input.password);
      return toUserView(
        await prisma.$transaction(async (tx) => {
          if (await tx.user.findUnique({ where: { username: input.username } })) {
            throw new ConflictError(`A user named ${input.username} already exists.`, 'username_taken');
          }
          const user = await tx.user.create({ data: { username: input.username, passwordHash, roles, email: input.email ?? null } });
          await appendAudit(tx, {
            type: 'user.created',
            actor,
            subjectType: 'user',
            subjectId: user.id,
            data: { username: user.username, roles, email: user.email, source: 'local', via },
          });
          return user;
        }),
      );
    },

    async setDisabled(actor: Actor | null, id: string, disabled: boolean): Promise<UserView> {
      return change(actor, id, async (tx, user) => {
        if (disabled) refuseSelfLockout(actor, user, 'disable');
        if ((user.disabledAt !== null) === disabled) return user;
        const updated = await tx.user.update({ where: { id }, data: { disabledAt: disabled ? new Date() : null } });
        const revoked = disabled ? await revokeTokens(tx, id) : 0;
        await appendAudit(tx, {
          type: disabled ? 'user.disabled' : 'user.enabled',
          actor,
          subjectType: 'user',
          subjectId: id,
          data: { username: user.username, ...(disabled ? { tokensRevoked: revoked } : {}) },
        });
        return updated;
      });
    },

    async setRoles(actor: Actor | null, id: string, wanted: string[]): Promise<UserView> {
      const roles = checkRoles(wanted);
      return change(actor, id, async (tx, user) => {
        if (user.oidcIssuer) throw new ConflictError('The roles of a single sign-on account come from its groups at the identity provider.', 'managed_by_sso');
        if (user.roles.includes('admin') && !roles.includes('admin')) refuseSelfLockout(actor, user, 'remove the admin role from');
        if (sameRoles(user.roles, roles)) return user;
        const updated = await tx.user.update({ where: { id }, data: { roles } });
        const revoked = await revokeTokens(tx, id);
        await appendAudit(tx, {
          type: 'user.roles_changed',
          actor,
          subjectType: 'user',
          subjectId: id,
          data: { username: user.username, from: user.roles, to: roles, source: 'admin', tokensRevoked: revoked },
        });
        return updated;
      });
    },

    /** A new password, hashed; the plain one goes nowhere. A reset usually means the old one leaked, so it ends the user's tokens too. */
    async resetPassword(actor: Actor | null, id: string, password: string, via: 'api' | 'cli' = 'api'): Promise<UserView> {
      return change(actor, id, async (tx, user) => {
        if (user.oidcIssuer) throw new ConflictError('A single sign-on account has no local password.', 'managed_by_sso');
        checkPassword(user.username, password);
        const updated = await tx.user.update({ where: { id }, data: { passwordHash: await hashPassword(password) } });
        const revoked = await revokeTokens(tx, id);
        await appendAudit(tx, {
          type: 'user.password_reset',
          actor,
          subjectType: 'user',
          subjectId: id,
          data: { username: user.username, via, tokensRevoked: revoked },
        });
        return updated;
      });
    },

    async byUsername(username: string): Promise<UserView> {
      const user = await prisma.user.findUnique({ where: { username } });
      if (!user) throw new NotFoundError(`User ${username}`);
      return toUserView(user);
    },
  };
}

export type UserService = ReturnType<typeof userService>;

export function sameRoles(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

/**
 * Separation of duties across identities: two accounts are one person when they
 * are the same row, or when both carry the same e-mail (a local account and a
 * single sign-on account of one engineer). E-mail never matches an account at
 * sign-in; here it only refuses, so a shared address costs a second approver, never access.
 */
export async function samePerson(tx: Tx, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const rows = await tx.user.findMany({ where: { id: { in: [a, b] } }, select: { email: true } });
  return rows.length === 2 && sameEmail(rows[0]!.email, rows[1]!.email);
}

/**
 * Refuses `userId` deciding on what `requesterId` asked for (a request, an
 * extension, an emergency review), from the same account or from another one
 * of the same person. `what` completes "Nobody …".
 */
export async function refuseOwnDecision(tx: Tx, requesterId: string, userId: string, what: string): Promise<void> {
  if (requesterId === userId) throw new ForbiddenError(`Nobody ${what}.`, 'separation_of_duties');
  if (await samePerson(tx, requesterId, userId))
    throw new ForbiddenError(`Nobody ${what}, also from another account with the same e-mail.`, 'separation_of_duties');
}
