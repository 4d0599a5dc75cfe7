// The relying party, through openid-client (a certified library): discovery,
// the authorization URL with PKCE, state and nonce, and the code exchange whose
// ID token (signature, issuer, audience, expiry, nonce) the library validates.
import * as client from 'openid-client';
import { ConfigError } from '../../config.js';
import type { OidcConfig } from './oidc-config.js';

export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  issuer: string;
  authorizationUrl(checks: OidcChecks): Promise<URL>;
  /** The claims of a validated ID token (plus userinfo when the role claim is not in it). Throws on any failed check. */
  exchange(callbackQuery: string, checks: OidcChecks): Promise<Record<string, unknown>>;
  /** The provider's end-session URL, when it has one. */
  endSessionUrl(): string | undefined;
}

export async function discoverOidc(cfg: OidcConfig): Promise<OidcClient> {
  let config: client.Configuration;
  try {
    config = await client.discovery(cfg.issuer, cfg.clientId, { redirect_uris: [cfg.redirectUrl.href] }, client.ClientSecretBasic(cfg.clientSecret), {
      execute: cfg.allowHttp ? [client.allowInsecureRequests] : [],
      timeout: 10,
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new ConfigError(
      `BREAKGLASS_OIDC_ISSUER: cannot read the discovery document of ${cfg.issuer.href}: ${(err as Error).message}${cause ? ` (${cause})` : ''}`,
    );
  }
  const metadata = config.serverMetadata();
  return {
    issuer: metadata.issuer,

    async authorizationUrl(checks) {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: cfg.redirectUrl.href,
        scope: cfg.scopes,
        response_type: 'code',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    async exchange(callbackQuery, checks) {
      const currentUrl = new URL(cfg.redirectUrl.href);
      currentUrl.search = callbackQuery;
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()! as Record<string, unknown>;
      if (claims[cfg.roleClaim.split('.')[0]!] === undefined && metadata.userinfo_endpoint) {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub as string);
        return { ...info, ...claims };
      }
      return claims;
    },

    endSessionUrl() {
      if (!metadata.end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, { client_id: cfg.clientId, post_logout_redirect_uri: new URL('/login', cfg.redirectUrl.origin).href }).href;
    },
  };
}
