// Login, token issue and revocation. A token is a JWT whose id (jti) must have a
// live row in auth_tokens: logout revokes the row, so the token is dead at once.
import { randomUUID } from 'node:crypto';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit } from '../audit/audit-service.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { DUMMY_HASH, verifyPassword } from './password-fns.js';
import type { AuthUser, Role } from './roles.js';

export interface TokenClaims {
  sub: string;
  jti: string;
  username: string;
}

export function authService(prisma: PrismaClient, opts: { tokenTtlMinutes: number; localAccounts: boolean }) {
  /** A new token row and its `auth.login` event, inside the caller's transaction (password and single sign-on alike). */
  async function issueToken(tx: Tx, user: { id: string; username: string; roles: string[] }, data: Record<string, unknown>) {
    const jti = randomUUID();
    const expiresAt = new Date(Date.now() + opts.tokenTtlMinutes * 60_000);
    await tx.authToken.create({ data: { id: jti, userId: user.id, expiresAt } });
    await appendAudit(tx, { type: 'auth.login', actor: user, subjectType: 'user', subjectId: user.id, data });
    return { user: toAuthUser(user), claims: { sub: user.id, jti, username: user.username }, expiresAt };
  }

  return {
    issueToken,

    /** Checks the password; a failure is audited (in its own transaction) and says nothing about which part was wrong. */
    async login(username: string, password: string, ip: string): Promise<{ user: AuthUser; claims: TokenClaims; expiresAt: Date }> {
      if (!opts.localAccounts) throw new ForbiddenError('Password login is turned off on this broker: use single sign-on.', 'local_accounts_off');
      const user = await prisma.user.findUnique({ where: { username } });
      // A single sign-on account has no usable password: check the dummy so timing says nothing.
      const usable = user && !user.oidcIssuer && user.passwordHash ? user.passwordHash : DUMMY_HASH;
      const ok = (await verifyPassword(password, usable)) && usable !== DUMMY_HASH;
      if (!user || !ok || user.disabledAt) {
        const reason = !user ? undefined : user.disabledAt && ok ? 'disabled' : undefined;
        await prisma.$transaction((tx) =>
          appendAudit(tx, { type: 'auth.login_failed', subjectType: 'user', subjectId: user?.id, data: { username, ip, ...(reason ? { reason } : {}) } }),
        );
        throw new UnauthorizedError('Wrong username or password.');
      }
      return prisma.$transaction((tx) => issueToken(tx, user, { ip }));
    },

    async logout(user: AuthUser, jti: string): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.authToken.update({ where: { id: jti }, data: { revokedAt: new Date() } });
        await appendAudit(tx, { type: 'auth.logout', actor: user, subjectType: 'user', subjectId: user.id });
        await publish(tx, { type: 'login', userId: user.id });
      });
    },

    /** The user behind a verified JWT, if its token row is still live. */
    async resolve(claims: TokenClaims): Promise<AuthUser> {
      const token = await prisma.authToken.findUnique({ where: { id: claims.jti }, include: { user: true } });
      if (!token || token.revokedAt || token.expiresAt <= new Date() || token.userId !== claims.sub || token.user.disabledAt) {
        throw new UnauthorizedError('Your session has ended: log in again.');
      }
      return toAuthUser(token.user);
    },
  };
}

export type AuthService = ReturnType<typeof authService>;

function toAuthUser(u: { id: string; username: string; roles: string[] }): AuthUser {
  return { id: u.id, username: u.username, roles: u.roles as Role[] };
}
