// A real OpenID Provider for the tests: oidc-provider (certified) on a loopback
// port 0, with a few users and their groups (changeable between sign-ins), the
// development login form, consent granted for the one first-party client, and
// a hook that lets a test re-sign the next ID token with the provider's own key
// (expired, another audience, another nonce) to see the broker refuse it.
// On Node 20 it prints "Unsupported runtime" and works.
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

export interface ProviderUser {
  email: string;
  name: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, ProviderUser>;
  /** The next ID token the token endpoint returns is re-signed (provider's key) after `change`. */
  tamperNextIdToken(change: (payload: JWTPayload) => JWTPayload): void;
  close(): Promise<void>;
}

export async function startOidcProvider(opts: { redirectUri: string; users: Record<string, ProviderUser> }): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key';
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const clientId = 'breakglass';
  const clientSecret = randomBytes(24).toString('base64url');
  const users = new Map(Object.entries(opts.users));
  let tamper: ((p: JWTPayload) => JWTPayload) | undefined;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [opts.redirectUri],
        post_logout_redirect_uris: [new URL('/login', opts.redirectUri).href],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx, id) {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, preferred_username: id, email: user.email, email_verified: true, name: user.name, groups: [...user.groups] }),
      };
    },
    // First-party client: consent is implied, as an organisation's own IdP would be configured.
    async loadExistingGrant(ctx) {
      const client = ctx.oidc.client!;
      const existing = ctx.oidc.session!.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  });
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && tamper && body?.id_token) {
      const change = tamper;
      tamper = undefined;
      const payload = change(decodeJwt(body.id_token));
      ctx.body = { ...body, id_token: await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey) };
    }
  });
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    tamperNextIdToken: (change) => void (tamper = change),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The broker's environment for single sign-on with `provider` (groups eng → requester, sre-leads → approver, ...). */
export function brokerSsoEnv(provider: TestProvider, redirectUrl: string): Record<string, string> {
  return {
    BREAKGLASS_OIDC_ISSUER: provider.issuer,
    BREAKGLASS_OIDC_CLIENT_ID: provider.clientId,
    BREAKGLASS_OIDC_CLIENT_SECRET: provider.clientSecret,
    BREAKGLASS_OIDC_REDIRECT_URL: redirectUrl,
    BREAKGLASS_OIDC_SCOPES: 'openid profile email groups',
    BREAKGLASS_OIDC_NAME: 'Test IdP',
    BREAKGLASS_OIDC_ROLE_MAPPING: JSON.stringify({ requester: ['eng'], approver: ['sre-leads'], auditor: ['security'], admin: ['platform-admins'] }),
  };
}

/** A cookie jar for one site (the tests talk to the provider and to the broker separately). */
export class CookieJar {
  private cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/**
 * What a browser does at the provider: follows redirects and fills the login
 * form as `login`, until the provider sends it to `redirectUri`; returns that URL.
 */
export async function signInAtProvider(authorizationUrl: string, login: string, redirectUri: string, jar = new CookieJar()): Promise<URL> {
  let url = new URL(authorizationUrl);
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie: jar.header() } });
    jar.store(res);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      if (url.href.startsWith(redirectUri)) return url;
      continue;
    }
    const html = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`provider page without a form (${res.status}): ${html.slice(0, 400)}`);
    const fields = new URLSearchParams();
    for (const [, name, value] of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(name!, value!);
    if (/name="login"/.test(form[2]!)) {
      fields.set('login', login);
      fields.set('password', 'any');
    }
    url = new URL(form[1]!.replace(/&amp;/g, '&'), url);
    init = { method: 'POST', body: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many hops at the provider');
}
