// Single sign-on: the sign-in's one-time state (bound to the browser that
// started it), the account behind a validated ID token (matched by issuer +
// subject only), and its roles, set again from the provider's groups at every
// sign-in: a removed group removes the role and revokes the user's tokens.
import { createHash, randomBytes } from 'node:crypto';
import * as oidcLib from 'openid-client';
import { appendAudit } from '../../audit/audit-service.js';
import type { PrismaClient, Tx } from '../../db/client.js';
import { revokeTokens, sameRoles } from '../../users/user-service.js';
import type { AuthService } from '../auth-service.js';
import type { OidcClient } from './oidc-client.js';
import type { OidcConfig } from './oidc-config.js';
import { rolesFromClaims, safeNext, stringClaim, usernameFromClaims } from './oidc-fns.js';

const LOGIN_TTL_MS = 10 * 60_000;

/** Why a sign-in did not give a session; the login page explains each. */
export type SsoOutcome =
  | { ok: true; issued: Awaited<ReturnType<AuthService['issueToken']>>; next: string }
  | { ok: false; reason: 'state' | 'provider' | 'rejected' | 'disabled' | 'no_role' };

const digest = (s: string) => createHash('sha256').update(s).digest('base64url');

export function oidcService(prisma: PrismaClient, auth: AuthService, oidc: OidcClient, cfg: OidcConfig) {
  async function account(tx: Tx, claims: Record<string, unknown>) {
    const subject = String(claims.sub);
    const roles = rolesFromClaims(claims, cfg.roleClaim, cfg.roleMapping);
    const profile = { email: stringClaim(claims, 'email'), displayName: stringClaim(claims, 'name') };
    const found = await tx.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: oidc.issuer, oidcSubject: subject } } });
    if (!found) {
      const username = await freeUsername(tx, usernameFromClaims(claims));
      const user = await tx.user.create({ data: { username, passwordHash: '', roles, oidcIssuer: oidc.issuer, oidcSubject: subject, ...profile } });
      await appendAudit(tx, {
        type: 'user.created',
        subjectType: 'user',
        subjectId: user.id,
        data: { username, roles, email: profile.email, source: 'sso', issuer: oidc.issuer, subject },
      });
      return user;
    }
    if (found.disabledAt || sameRoles(found.roles, roles)) {
      return tx.user.update({ where: { id: found.id }, data: profile });
    }
    const user = await tx.user.update({ where: { id: found.id }, data: { ...profile, roles } });
    const revoked = await revokeTokens(tx, found.id);
    await appendAudit(tx, {
      type: 'user.roles_changed',
      subjectType: 'user',
      subjectId: found.id,
      data: { username: found.username, from: found.roles, to: roles, source: 'sso', tokensRevoked: revoked },
    });
    return user;
  }

  return {
    displayName: cfg.displayName,

    /** A new sign-in: the provider's URL, and the browser binding to keep in a cookie until the callback. */
    async start(next: string | undefined): Promise<{ url: string; binding: string }> {
      const checks = { state: oidcLib.randomState(), nonce: oidcLib.randomNonce(), codeVerifier: oidcLib.randomPKCECodeVerifier() };
      const binding = randomBytes(32).toString('base64url');
      await prisma.oidcLogin.deleteMany({ where: { expiresAt: { lt: new Date() } } });
      await prisma.oidcLogin.create({
        data: {
          state: checks.state,
          binding: digest(binding),
          nonce: checks.nonce,
          codeVerifier: checks.codeVerifier,
          next: safeNext(next),
          expiresAt: new Date(Date.now() + LOGIN_TTL_MS),
        },
      });
      return { url: (await oidc.authorizationUrl(checks)).href, binding };
    },

    /** The provider sent the browser back. The state is consumed first, so it works once, whatever follows. */
    async callback(query: string, binding: string | undefined, ip: string): Promise<SsoOutcome> {
      const params = new URLSearchParams(query);
      const state = params.get('state') ?? '';
      const row = await consume(state);
      const fail = async (reason: Exclude<SsoOutcome, { ok: true }>['reason'], data: Record<string, unknown>, userId?: string) => {
        await prisma.$transaction((tx) =>
          appendAudit(tx, { type: 'auth.login_failed', subjectType: 'user', subjectId: userId, data: { via: 'sso', ip, reason, ...data } }),
        );
        return { ok: false as const, reason };
      };
      if (!row || !binding || digest(binding) !== row.binding || row.expiresAt <= new Date()) return fail('state', {});
      if (params.get('error')) return fail('provider', { error: params.get('error')!.slice(0, 100) });
      let claims: Record<string, unknown>;
      try {
        claims = await oidc.exchange(query, row);
      } catch (err) {
        // openid-client wraps oauth4webapi's error, whose cause names the claim that failed.
        const e = err as Error & { code?: string; cause?: { message?: string; claim?: unknown; cause?: { claim?: unknown } } };
        const claim = e.cause?.cause?.claim ?? e.cause?.claim;
        const message = [e.message, e.cause?.message].filter(Boolean).join(': ').slice(0, 300);
        return fail('rejected', { error: e.code ?? e.name, message, ...(typeof claim === 'string' ? { claim } : {}) });
      }
      const result = await prisma.$transaction(async (tx) => {
        const user = await account(tx, claims);
        if (user.disabledAt || user.roles.length === 0) return { user, issued: undefined };
        return { user, issued: await auth.issueToken(tx, user, { ip, via: 'sso', issuer: oidc.issuer }) };
      });
      if (result.user.disabledAt) return fail('disabled', { username: result.user.username }, result.user.id);
      if (!result.issued) return fail('no_role', { username: result.user.username }, result.user.id);
      return { ok: true, issued: result.issued, next: row.next ?? '/' };
    },

    /** Where the browser goes after the broker's logout: the provider's end-session endpoint, for single sign-on accounts. */
    async endSessionUrl(userId: string): Promise<string | undefined> {
      const user = await prisma.user.findUnique({ where: { id: userId }, select: { oidcIssuer: true } });
      return user?.oidcIssuer === oidc.issuer ? oidc.endSessionUrl() : undefined;
    },
  };

  async function consume(state: string) {
    if (!state) return undefined;
    const rows = await prisma.$queryRaw<{ binding: string; nonce: string; code_verifier: string; next: string | null; expires_at: Date }[]>`
      DELETE FROM oidc_logins WHERE state = ${state} RETURNING binding, nonce, code_verifier, next, expires_at`;
    const r = rows[0];
    return r && { state, binding: r.binding, nonce: r.nonce, codeVerifier: r.code_verifier, next: r.next, expiresAt: r.expires_at };
  }
}

async function freeUsername(tx: Tx, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!(await tx.user.findUnique({ where: { username: name } }))) return name;
  }
}

export type OidcService = ReturnType<typeof oidcService>;
