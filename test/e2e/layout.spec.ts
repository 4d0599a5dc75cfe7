// Every page at phone width: nothing wider than the screen, and a screenshot to look at.
import { expect, screenshot, test } from './fixtures';

const phone = { width: 390, height: 844 };

for (const [user, pages] of [
  ['alice', ['/fleet', '/requests/new', '/requests']],
  ['bob', ['/approvals', '/sessions', '/drift']],
  ['dave', ['/sessions', '/audit']],
] as const) {
  test(`${user}'s pages fit a 390 px screen`, async ({ as }) => {
    const page = await as(user, { viewport: phone });
    for (const path of pages) {
      await page.goto(path);
      await expect(page.locator('h1')).toBeVisible();
      await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
      await expect(page.locator('.loading')).toHaveCount(0);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(0);
      await screenshot(page, `phone-${user}${path.replace(/\//g, '-')}`);
    }
  });
}

test('the audit chain verifies and pages', async ({ as }) => {
  const dave = await as('dave');
  await dave.getByRole('link', { name: 'Audit' }).click();
  await expect(dave.getByRole('table', { name: 'Audit events' })).toContainText('demo.seeded');
  await dave.getByRole('button', { name: 'Verify chain' }).click();
  await expect(dave.getByTestId('verify-result')).toHaveText(/^Chain intact: \d+ events, head [0-9a-f]+\.$/);
  await screenshot(dave, 'audit');
});

test('a 401 sends the user to the login page with a message', async ({ as }) => {
  const alice = await as('alice', { expect401: true });
  await alice.context().clearCookies();
  await alice.getByRole('link', { name: 'Requests' }).click();
  await expect(alice.getByText('Your session has expired — log in again.')).toBeVisible();
  await expect(alice).toHaveURL(/\/login\?next=/);
});
