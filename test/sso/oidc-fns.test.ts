// The pure rules of single sign-on: group → role mapping, usernames, where the
// browser may be sent back to, and the configuration's checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidcConfig } from '../../src/auth/oidc/oidc-config.js';
import { claimValues, rolesFromClaims, safeNext, usernameFromClaims } from '../../src/auth/oidc/oidc-fns.js';

const mapping = { requester: ['eng'], approver: ['sre-leads'], auditor: ['security'], admin: ['platform-admins'] };

test('groups map to roles through the mapping; unknown groups give nothing', () => {
  assert.deepEqual(rolesFromClaims({ groups: ['security', 'eng', 'marketing'] }, 'groups', mapping), ['requester', 'auditor']);
  assert.deepEqual(rolesFromClaims({ groups: 'sre-leads' }, 'groups', mapping), ['approver']);
  assert.deepEqual(rolesFromClaims({ groups: [{ name: 'eng' }, 42] }, 'groups', mapping), []);
  assert.deepEqual(rolesFromClaims({}, 'groups', mapping), []);
  assert.deepEqual(claimValues({ realm_access: { roles: ['a', 'b'] } }, 'realm_access.roles'), ['a', 'b']);
  assert.deepEqual(claimValues({ 'https://example.com/groups': ['x'] }, 'https://example.com/groups'), ['x']);
});

test('usernames come from preferred_username, e-mail or subject, in the allowed alphabet', () => {
  assert.equal(usernameFromClaims({ sub: 's1', preferred_username: 'maria', email: 'm@example.com' }), 'maria');
  assert.equal(usernameFromClaims({ sub: 's1', email: 'm@example.com' }), 'm@example.com');
  assert.equal(usernameFromClaims({ sub: 'auth0|123 abc' }), 'auth0-123-abc');
  assert.equal(usernameFromClaims({ sub: 'x', preferred_username: '<script>' }), '-script-');
});

test('only paths on this site are followed after sign-in', () => {
  for (const bad of ['//evil.example', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '', undefined, null])
    assert.equal(safeNext(bad), '/', String(bad));
  assert.equal(safeNext('/requests/1?x=2'), '/requests/1?x=2');
});

test('the configuration names the variable that is wrong', () => {
  const fail = (m: string): never => {
    throw new Error(m);
  };
  const env = {
    BREAKGLASS_OIDC_ISSUER: 'https://idp.example.com/realms/x',
    BREAKGLASS_OIDC_CLIENT_ID: 'breakglass',
    BREAKGLASS_OIDC_CLIENT_SECRET: 's',
    BREAKGLASS_OIDC_REDIRECT_URL: 'https://bg.example.com/api/auth/oidc/callback',
    BREAKGLASS_OIDC_ROLE_MAPPING: JSON.stringify(mapping),
  };
  assert.equal(oidcConfig({}, fail), undefined);
  const ok = oidcConfig(env, fail)!;
  assert.deepEqual([ok.scopes, ok.roleClaim, ok.displayName, ok.allowHttp], ['openid profile email', 'groups', 'single sign-on', false]);
  for (const [change, message] of [
    [{ BREAKGLASS_OIDC_CLIENT_ID: '' }, /BREAKGLASS_OIDC_CLIENT_ID is required/],
    [{ BREAKGLASS_OIDC_CLIENT_SECRET: '' }, /BREAKGLASS_OIDC_CLIENT_SECRET is required/],
    [{ BREAKGLASS_OIDC_ISSUER: 'http://idp.example.com' }, /BREAKGLASS_OIDC_ISSUER must be an https URL/],
    [{ BREAKGLASS_OIDC_ISSUER: 'not a url' }, /BREAKGLASS_OIDC_ISSUER must be an absolute URL/],
    [{ BREAKGLASS_OIDC_REDIRECT_URL: 'https://bg.example.com/callback' }, /BREAKGLASS_OIDC_REDIRECT_URL must be .*\/api\/auth\/oidc\/callback/],
    [{ BREAKGLASS_OIDC_ROLE_MAPPING: '' }, /BREAKGLASS_OIDC_ROLE_MAPPING is required/],
    [{ BREAKGLASS_OIDC_ROLE_MAPPING: '{requester:eng}' }, /BREAKGLASS_OIDC_ROLE_MAPPING must be JSON/],
    [{ BREAKGLASS_OIDC_ROLE_MAPPING: '["eng"]' }, /BREAKGLASS_OIDC_ROLE_MAPPING must be a JSON object/],
    [{ BREAKGLASS_OIDC_ROLE_MAPPING: '{"root":["eng"]}' }, /"root" is not a role/],
    [{ BREAKGLASS_OIDC_ROLE_MAPPING: '{"admin":"ops"}' }, /BREAKGLASS_OIDC_ROLE_MAPPING.admin must be a list/],
    [{ BREAKGLASS_OIDC_SCOPES: 'profile email' }, /BREAKGLASS_OIDC_SCOPES must include openid/],
  ] as const) {
    assert.throws(() => oidcConfig({ ...env, ...change }, fail), message);
  }
  assert.equal(oidcConfig({ ...env, BREAKGLASS_OIDC_ISSUER: 'http://idp.localhost:8081/realms/x' }, fail)!.allowHttp, true);
});
