// Single sign-on settings from the environment. Checked once at start-up: a bad
// value stops the broker with a message naming the variable. Reaching the
// issuer is checked later, by discovery (oidc-client.ts), also before listening.
import { ROLES, type Role } from '../roles.js';

export interface OidcConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUrl: URL;
  scopes: string;
  displayName: string;
  roleClaim: string;
  roleMapping: Partial<Record<Role, string[]>>;
  /** Plain http is accepted only for an issuer on this machine or a *.localhost name (tests, trying it out with docker compose). */
  allowHttp: boolean;
}

export const CALLBACK_PATH = '/api/auth/oidc/callback';

type Env = Record<string, string | undefined>;
type Fail = (message: string) => never;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function url(env: Env, name: string, fail: Fail): URL {
  const raw = env[name];
  if (!raw) return fail(`${name} is required when BREAKGLASS_OIDC_ISSUER is set`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return fail(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && (LOOPBACK.has(parsed.hostname) || parsed.hostname.endsWith('.localhost')))) {
    return fail(`${name} must be an https URL (plain http only on 127.0.0.1, localhost or *.localhost), got "${raw}"`);
  }
  return parsed;
}

function roleMapping(raw: string | undefined, fail: Fail): Partial<Record<Role, string[]>> {
  const example = '{"requester":["eng"],"approver":["sre-leads"],"auditor":["security"],"admin":["platform-admins"]}';
  if (!raw) return fail(`BREAKGLASS_OIDC_ROLE_MAPPING is required when BREAKGLASS_OIDC_ISSUER is set, e.g. ${example}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail(`BREAKGLASS_OIDC_ROLE_MAPPING must be JSON like ${example}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(`BREAKGLASS_OIDC_ROLE_MAPPING must be a JSON object like ${example}`);
  const out: Partial<Record<Role, string[]>> = {};
  for (const [role, groups] of Object.entries(parsed)) {
    if (!(ROLES as readonly string[]).includes(role)) return fail(`BREAKGLASS_OIDC_ROLE_MAPPING: "${role}" is not a role (${ROLES.join(', ')})`);
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && g.length > 0)) {
      return fail(`BREAKGLASS_OIDC_ROLE_MAPPING.${role} must be a list of group names`);
    }
    out[role as Role] = groups;
  }
  return out;
}

/** Undefined when single sign-on is off (no BREAKGLASS_OIDC_ISSUER). */
export function oidcConfig(env: Env, fail: Fail): OidcConfig | undefined {
  if (!env.BREAKGLASS_OIDC_ISSUER) return undefined;
  const issuer = url(env, 'BREAKGLASS_OIDC_ISSUER', fail);
  const clientId = env.BREAKGLASS_OIDC_CLIENT_ID || fail('BREAKGLASS_OIDC_CLIENT_ID is required when BREAKGLASS_OIDC_ISSUER is set');
  const clientSecret = env.BREAKGLASS_OIDC_CLIENT_SECRET || fail('BREAKGLASS_OIDC_CLIENT_SECRET is required when BREAKGLASS_OIDC_ISSUER is set');
  const redirectUrl = url(env, 'BREAKGLASS_OIDC_REDIRECT_URL', fail);
  if (redirectUrl.pathname !== CALLBACK_PATH || redirectUrl.search) {
    fail(`BREAKGLASS_OIDC_REDIRECT_URL must be the broker's public address followed by ${CALLBACK_PATH}, got "${redirectUrl.href}"`);
  }
  const scopes = (env.BREAKGLASS_OIDC_SCOPES || 'openid profile email').trim().split(/\s+/);
  if (!scopes.includes('openid')) fail('BREAKGLASS_OIDC_SCOPES must include openid');
  const roleClaim = env.BREAKGLASS_OIDC_ROLE_CLAIM || 'groups';
  if (!/^[\w:/.-]{1,200}$/.test(roleClaim)) fail(`BREAKGLASS_OIDC_ROLE_CLAIM must be a claim name (a dotted path for nested claims), got "${roleClaim}"`);
  return {
    issuer,
    clientId,
    clientSecret,
    redirectUrl,
    scopes: scopes.join(' '),
    displayName: (env.BREAKGLASS_OIDC_NAME || 'single sign-on').slice(0, 64),
    roleClaim,
    roleMapping: roleMapping(env.BREAKGLASS_OIDC_ROLE_MAPPING, fail),
    allowHttp: issuer.protocol === 'http:',
  };
}
