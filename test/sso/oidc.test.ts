// Single sign-on against a real OpenID Provider (oidc-provider, started here):
// the authorization code flow with PKCE, state and nonce, the account matched by
// issuer + subject, roles from groups set again at every sign-in, and every way a
// sign-in must fail (bad or replayed state, another browser, wrong nonce, wrong
// audience, expired ID token, disabled account, no role).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startHarness, type Harness } from '../helpers/harness.js';
import { brokerSsoEnv, CookieJar, signInAtProvider, startOidcProvider } from '../helpers/oidc-provider.js';

// The provider sends the browser here; the test plays the browser, so this
// address is never dialled: the test hands the query to the broker itself.
const REDIRECT = 'http://localhost/api/auth/oidc/callback';
async function setup(t: TestContext, env: Record<string, string> = {}) {
  const provider = await startOidcProvider({
    redirectUri: REDIRECT,
    users: {
      maria: { email: 'maria@example.com', name: 'Maria Eng', groups: ['eng'] },
      olga: { email: 'olga@example.com', name: 'Olga Lead', groups: ['sre-leads', 'security'] },
      nina: { email: 'nina@example.com', name: 'Nina Nobody', groups: ['marketing'] },
    },
  });
  t.after(() => provider.close());
  const h = await startHarness(t, { ...brokerSsoEnv(provider, REDIRECT), ...env });
  return { provider, h };
}

interface Attempt {
  location: string;
  jar: CookieJar;
  query: string;
  binding: string;
}

/** A browser's whole sign-in: start at the broker, log in at the provider, come back to the callback. */
async function signIn(h: Harness, login: string, opts: { next?: string } = {}): Promise<Attempt> {
  const jar = new CookieJar();
  const start = await fetch(`${h.url}/api/auth/oidc/start${opts.next ? `?next=${encodeURIComponent(opts.next)}` : ''}`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  jar.store(start);
  const authorization = new URL(start.headers.get('location')!);
  for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(authorization.searchParams.get(p), `${p} is sent`);
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  const back = await signInAtProvider(authorization.href, login, REDIRECT);
  return callback(h, back.search.slice(1), jar);
}

async function callback(h: Harness, query: string, jar: CookieJar, binding = jar.get('breakglass_oidc') ?? ''): Promise<Attempt> {
  const res = await fetch(`${h.url}/api/auth/oidc/callback?${query}`, { redirect: 'manual', headers: { cookie: `breakglass_oidc=${binding}` } });
  assert.equal(res.status, 302);
  jar.store(res);
  return { location: res.headers.get('location')!, jar, query, binding };
}

async function me(h: Harness, jar: CookieJar) {
  return h.api(undefined, 'GET', '/api/me', undefined, { cookie: `breakglass_token=${jar.get('breakglass_token') ?? ''}` });
}

test('the full flow: a user is created at first sign-in, matched by issuer + subject, with roles from groups', async (t) => {
  const { provider, h } = await setup(t);
  const providers = await h.api(undefined, 'GET', '/api/auth/providers');
  assert.deepEqual(providers.body, { localAccounts: true, sso: { name: 'Test IdP', startUrl: '/api/auth/oidc/start' } });
  const doc = await h.api(undefined, 'GET', '/api/openapi.json');
  for (const path of ['/api/auth/providers', '/api/auth/oidc/start', '/api/auth/oidc/callback', '/api/users', '/api/users/{id}/roles'])
    assert.ok(doc.body.paths[path], `${path} is documented`);

  const maria = await signIn(h, 'maria', { next: '/fleet' });
  assert.equal(maria.location, '/fleet');
  const who = await me(h, maria.jar);
  assert.equal(who.status, 200);
  assert.deepEqual([who.body.username, who.body.roles], ['maria', ['requester']]);
  const row = await h.prisma.user.findUniqueOrThrow({ where: { username: 'maria' } });
  assert.deepEqual(
    [row.oidcIssuer, row.oidcSubject, row.email, row.displayName, row.passwordHash],
    [provider.issuer, 'maria', 'maria@example.com', 'Maria Eng', ''],
  );
  const created = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'user.created', subjectId: row.id } });
  assert.deepEqual(created.data, {
    username: 'maria',
    roles: ['requester'],
    email: 'maria@example.com',
    source: 'sso',
    issuer: provider.issuer,
    subject: 'maria',
  });
  assert.equal(
    (await h.api(undefined, 'POST', '/api/auth/login', { username: 'maria', password: '' + '' + 'any' })).status,
    401,
    'a single sign-on account has no password',
  );

  const again = await signIn(h, 'maria');
  assert.equal(again.location, '/');
  assert.equal(await h.prisma.user.count({ where: { oidcSubject: 'maria' } }), 1, 'the same account at the next sign-in');

  const olga = await signIn(h, 'olga', { next: '//evil.example/steal' });
  assert.equal(olga.location, '/', 'no open redirect');
  assert.deepEqual((await me(h, olga.jar)).body.roles, ['approver', 'auditor']);
});

test('an account named like a local one gets its own username: e-mail and names never match accounts', async (t) => {
  const { provider, h } = await setup(t);
  provider.users.set('alice', { email: 'alice@example.com', name: 'Not the local alice', groups: ['platform-admins'] });
  const attempt = await signIn(h, 'alice');
  const who = await me(h, attempt.jar);
  assert.deepEqual([who.body.username, who.body.roles], ['alice-2', ['admin']]);
  const local = await h.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  assert.deepEqual(local.roles, ['requester'], 'the local alice is untouched');
});

test('a replayed, forged or foreign state is refused and gives no session', async (t) => {
  const { h } = await setup(t);
  const first = await signIn(h, 'maria');
  assert.equal(first.location, '/');
  const replayed = await callback(h, first.query, new CookieJar(), first.binding);
  assert.equal(replayed.location, '/login?sso=state');
  assert.equal(replayed.jar.get('breakglass_token'), undefined);

  // A state that never was.
  const forged = await callback(h, first.query.replace(/state=[^&]+/, 'state=forged'), new CookieJar(), first.binding);
  assert.equal(forged.location, '/login?sso=state');

  // Login CSRF: an attacker's own callback URL opened in a victim's browser (no binding cookie for it).
  const jar = new CookieJar();
  const start = await fetch(`${h.url}/api/auth/oidc/start`, { redirect: 'manual' });
  jar.store(start);
  const back = await signInAtProvider(start.headers.get('location')!, 'maria', REDIRECT);
  const victim = await callback(h, back.search.slice(1), new CookieJar(), 'victims-own-binding');
  assert.equal(victim.location, '/login?sso=state');
  // ...and the state is spent: the attacker cannot use it afterwards either.
  assert.equal((await callback(h, back.search.slice(1), jar)).location, '/login?sso=state');
  const failures = await h.prisma.auditEvent.findMany({ where: { type: 'auth.login_failed' } });
  assert.deepEqual(
    failures.map((f) => (f.data as { reason: string }).reason),
    ['state', 'state', 'state', 'state'],
  );
});

test('an ID token with a wrong nonce, a wrong audience or past its expiry is refused by the library', async (t) => {
  const { provider, h } = await setup(t);
  const now = Math.floor(Date.now() / 1000);
  // The control: re-signed unchanged with the provider's key, the token is accepted.
  provider.tamperNextIdToken((p) => p);
  assert.equal((await signIn(h, 'maria')).location, '/');
  for (const [what, change] of [
    ['nonce', (p: Record<string, unknown>) => ({ ...p, nonce: 'another-flows-nonce' })],
    ['audience', (p: Record<string, unknown>) => ({ ...p, aud: 'another-client' })],
    ['expiry', (p: Record<string, unknown>) => ({ ...p, iat: now - 7200, exp: now - 3600 })],
  ] as const) {
    provider.tamperNextIdToken(change);
    const attempt = await signIn(h, 'olga');
    assert.equal(attempt.location, '/login?sso=rejected', what);
    assert.equal(attempt.jar.get('breakglass_token'), undefined, what);
  }
  assert.equal(await h.prisma.user.count({ where: { oidcSubject: 'olga' } }), 0, 'no account from a refused token');
  const failures = (await h.prisma.auditEvent.findMany({ where: { type: 'auth.login_failed' }, orderBy: { id: 'asc' } })).map(
    (e) => e.data as { reason: string; claim: string },
  );
  assert.deepEqual(
    failures.map((f) => [f.reason, f.claim]),
    [
      ['rejected', 'nonce'],
      ['rejected', 'aud'],
      ['rejected', 'exp'],
    ],
  );
});

test('roles are set again at every sign-in: a removed group removes the role and revokes the tokens; no role, no session', async (t) => {
  const { provider, h } = await setup(t);
  provider.users.get('maria')!.groups = ['eng', 'sre-leads'];
  const first = await signIn(h, 'maria');
  assert.deepEqual((await me(h, first.jar)).body.roles, ['requester', 'approver']);

  provider.users.get('maria')!.groups = ['eng'];
  const second = await signIn(h, 'maria');
  assert.equal((await me(h, first.jar)).status, 401, 'the token from before the change is dead');
  assert.deepEqual((await me(h, second.jar)).body.roles, ['requester']);
  const changed = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'user.roles_changed' } });
  assert.deepEqual(changed.data, { username: 'maria', from: ['requester', 'approver'], to: ['requester'], source: 'sso', tokensRevoked: 1 });

  provider.users.get('maria')!.groups = [];
  const third = await signIn(h, 'maria');
  assert.equal(third.location, '/no-access');
  assert.equal(third.jar.get('breakglass_token'), undefined);
  assert.equal((await me(h, second.jar)).status, 401);

  const nina = await signIn(h, 'nina');
  assert.equal(nina.location, '/no-access', 'groups that map to no role');
});

test('a disabled single sign-on account cannot sign in; admins cannot edit its roles or password', async (t) => {
  const { h } = await setup(t);
  const first = await signIn(h, 'maria');
  const maria = await h.prisma.user.findUniqueOrThrow({ where: { username: 'maria' } });
  assert.equal((await h.api('admin', 'PUT', `/api/users/${maria.id}/roles`, { roles: ['admin'] })).body.error.code, 'managed_by_sso');
  assert.equal((await h.api('admin', 'POST', `/api/users/${maria.id}/password`, { password: 'a long enough password' })).body.error.code, 'managed_by_sso');
  assert.equal((await h.api('admin', 'POST', `/api/users/${maria.id}/disable`)).status, 200);
  assert.equal((await me(h, first.jar)).status, 401);
  assert.equal((await signIn(h, 'maria')).location, '/login?sso=disabled');
});

test('separation of duties holds between a single sign-on account and a local account with the same e-mail', async (t) => {
  const { h } = await setup(t);
  const maria = await signIn(h, 'maria');
  const cookie = { cookie: `breakglass_token=${maria.jar.get('breakglass_token')}` };
  const request = await h.api(undefined, 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'sso test', durationMinutes: 10 }, cookie);
  assert.equal(request.status, 201);
  const local = { username: 'maria-local', password: 'a long enough password', roles: ['approver'], email: 'Maria@Example.com' };
  assert.equal((await h.api('admin', 'POST', '/api/users', local)).status, 201);
  await h.token('maria-local', local.password);
  const refused = await h.api('maria-local', 'POST', `/api/requests/${request.body.id}/approve`, {});
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'separation_of_duties');
});

test("logout ends the broker session and hands a single sign-on user the provider's end-session URL", async (t) => {
  const { provider, h } = await setup(t);
  const maria = await signIn(h, 'maria');
  const cookie = { cookie: `breakglass_token=${maria.jar.get('breakglass_token')}` };
  const out = await h.api(undefined, 'POST', '/api/auth/logout', {}, cookie);
  assert.equal(out.status, 200);
  const end = new URL(out.body.endSessionUrl);
  assert.equal(end.origin, provider.issuer);
  assert.equal(end.searchParams.get('client_id'), provider.clientId);
  assert.equal(end.searchParams.get('post_logout_redirect_uri'), 'http://localhost/login');
  assert.equal((await me(h, maria.jar)).status, 401);
  const local = await h.api('alice', 'POST', '/api/auth/logout', {});
  assert.deepEqual(local.body, { ok: true });
});

test('with local accounts off the login page offers only single sign-on', async (t) => {
  const { h } = await setup(t, { BREAKGLASS_LOCAL_ACCOUNTS: '0' });
  assert.deepEqual((await h.api(undefined, 'GET', '/api/auth/providers')).body.localAccounts, false);
  assert.equal((await h.api(undefined, 'POST', '/api/auth/login', { username: 'alice', password: 'demo' })).status, 403);
  assert.equal((await signIn(h, 'maria')).location, '/');
});

test('starting sign-ins is rate limited like password logins', async (t) => {
  const { h } = await setup(t, { BREAKGLASS_LOGIN_RATE_LIMIT: '2' });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(`${h.url}/api/auth/oidc/start`, { redirect: 'manual' })).status);
  assert.deepEqual(statuses, [302, 302, 429]);
  assert.equal(await h.prisma.oidcLogin.count(), 2, 'a refused start stores nothing');
});
