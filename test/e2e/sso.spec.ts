// Single sign-on in Chromium through the provider's own login page
// (oidc-provider, started here): a requester and an approver sign in, and a
// request goes from request to approval to a working terminal.
import type { Browser, Page } from '@playwright/test';
import { freePort } from '../../src/free-port';
import { brokerSsoEnv, startOidcProvider, type TestProvider } from '../helpers/oidc-provider';
import { test as base, expect, requestAccess, requestCard, screenshot, terminalText, typeInTerminal } from './fixtures';

// The provider must know the broker's callback before the broker starts (discovery runs at start).
const test = base.extend<{ port: number; provider: TestProvider; extraEnv: Record<string, string> }>({
  extraEnv: [{}, { option: true }],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  port: async ({}, use) => use(await freePort()),
  provider: async ({ port }, use) => {
    const provider = await startOidcProvider({
      redirectUri: `http://127.0.0.1:${port}/api/auth/oidc/callback`,
      users: {
        maria: { email: 'maria@example.com', name: 'Maria Eng', groups: ['eng'] },
        olga: { email: 'olga@example.com', name: 'Olga Lead', groups: ['sre-leads'] },
        nina: { email: 'nina@example.com', name: 'Nina Nobody', groups: ['marketing'] },
      },
    });
    await use(provider);
    await provider.close();
  },
  brokerEnv: async ({ port, provider, extraEnv }, use) =>
    use({ PORT: String(port), ...brokerSsoEnv(provider, `http://127.0.0.1:${port}/api/auth/oidc/callback`), ...extraEnv }),
});

async function signIn(browser: Browser, url: string, login: string, problems: string[], viewport = { width: 1440, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ baseURL: url, viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`[${login}] ${e.message}`));
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  // The provider's own (development) login form.
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any');
  await page.getByRole('button', { name: /sign-in/i }).click();
  return page;
}

test('a requester and an approver sign in at the identity provider; request, approval and terminal work', async ({ browser, broker }) => {
  const problems: string[] = [];
  const first = await browser.newContext({ baseURL: broker.url, viewport: { width: 1440, height: 900 } });
  const login = await first.newPage();
  await login.goto('/');
  await expect(login.getByRole('link', { name: 'Sign in with Test IdP' })).toBeVisible();
  await expect(login.getByText('or with a local account')).toBeVisible();
  await screenshot(login, 'login-sso-1440');
  await login.setViewportSize({ width: 390, height: 844 });
  await screenshot(login, 'login-sso-390');
  await first.close();

  const maria = await signIn(browser, broker.url, 'maria', problems);
  await expect(maria.getByTestId('username')).toHaveText('maria');
  await expect(maria.getByRole('link', { name: 'Request access', exact: true })).toBeVisible();
  await requestAccess(maria, { host: 'staging-web-1', reason: 'Signed in through single sign-on', minutes: 10 });

  const olga = await signIn(browser, broker.url, 'olga', problems);
  await expect(olga.getByTestId('username')).toHaveText('olga');
  const card = requestCard(olga, 'maria', 'staging-web-1');
  await expect(card).toBeVisible();
  await card.getByRole('button', { name: /^Approve/ }).click();
  await expect(card).toBeHidden();

  await expect(maria.getByTestId('request-status')).toHaveText('approved');
  await maria.getByRole('button', { name: 'Open terminal' }).click();
  await expect(maria.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(maria, 'echo sso-$((40+2))\n');
  await expect(terminalText(maria)).toContainText('sso-42');

  // Logging out ends the broker session and goes on to the provider's end-session page.
  await olga.getByRole('button', { name: 'Log out' }).click();
  await expect(olga).toHaveURL(/\/session\/end/);
  const me = await olga.request.get(`${broker.url}/api/me`);
  expect(me.status()).toBe(401);
  expect(problems).toEqual([]);
});

test('someone whose groups map to no role sees a page that says so', async ({ browser, broker }) => {
  const problems: string[] = [];
  const nina = await signIn(browser, broker.url, 'nina', problems, { width: 390, height: 844 });
  await expect(nina).toHaveURL(/\/no-access$/);
  await expect(nina.getByRole('heading', { name: 'No access to breakglass yet' })).toBeVisible();
  await screenshot(nina, 'no-access-390');
  expect(problems).toEqual([]);
});

test.describe('with local accounts off', () => {
  test.use({ extraEnv: { BREAKGLASS_LOCAL_ACCOUNTS: '0' } });

  test('the login page offers only single sign-on', async ({ browser, broker }) => {
    const context = await browser.newContext({ baseURL: broker.url, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('link', { name: 'Sign in with Test IdP' })).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveCount(0);
    await expect(page.getByText('or with a local account')).toHaveCount(0);
    await screenshot(page, 'login-sso-only-390');
    await context.close();
  });
});
