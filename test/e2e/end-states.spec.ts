// Item 10 of issue 14: end and error states. An expired grant offers "Request
// again" and is not an alarm; a broker that cannot be reached is not "logged
// out"; a fresh visit logs no 401 in the console.
import type { ConsoleMessage } from '@playwright/test';
import { expect, logIn, requestAccess, requestCard, screenshot, test } from './fixtures';
import { expectAccessible, sizes } from './workbench';

// A policy minute of 8 s: a 1-minute grant ends quickly, yet not before a loaded machine has opened the terminal.
test.use({ brokerEnv: { BREAKGLASS_MINUTE_MS: '8000', BREAKGLASS_WARN_BEFORE_END_MINUTES: '0.5' } });

test('an expired grant says so calmly and offers "Request again"', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-web-2', reason: 'Short look', minutes: 1 });
  await requestCard(bob, 'alice', 'staging-web-2')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('end-reason')).toHaveAttribute('data-reason', 'expired');
  await expect(alice.locator('.end-banner')).toHaveClass(/end-info/);
  await expect(alice.locator('.end-banner').getByRole('link', { name: 'Request again' })).toHaveAttribute('href', /^\/requests\/new\?host=/);
  await screenshot(alice, 'terminal-expired-calm');
  await alice.locator('.end-banner').getByRole('link', { name: 'Back to the request' }).click();
  await expect(alice.getByTestId('request-status')).toHaveText('closed');
  await expect(alice.getByText(/^The access window ended at /)).toBeVisible();
  await alice.getByRole('link', { name: 'Request again' }).click();
  await expect(alice.getByLabel('Host')).toHaveValue(/.+/);
});

for (const [name, viewport] of sizes) {
  test(`a fresh visit logs nothing, and an unreachable broker is not a logout (${name})`, async ({ browser, broker }) => {
    const context = await browser.newContext({ baseURL: broker.url, viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto('/');
    await expect(page.getByLabel('Username')).toBeVisible();
    await expectAccessible(page, `login page (${name})`);
    expect(errors, 'console errors on a fresh visit').toEqual([]);

    await logIn(page, 'alice');
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Cannot reach the broker' })).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveCount(0);
    await screenshot(page, `unreachable-${name}`);
    await expectAccessible(page, `unreachable broker (${name})`);
    await page.unroute('**/api/**');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByTestId('username')).toHaveText('alice');
    await context.close();
  });
}
