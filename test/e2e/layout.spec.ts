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
