// Item 11 of issue 14: every page, as each role sees it, at desktop and phone
// size, has no serious or critical WCAG 2 A/AA violation (axe-core), and the
// admin's confirmation and unsaved states too.
import { expect, screenshot, test } from './fixtures';
import { expectAccessible, sizes } from './workbench';

const pagesOf = [
  ['alice', ['/fleet', '/requests/new', '/requests']],
  ['bob', ['/approvals', '/sessions', '/drift', '/fleet']],
  ['dave', ['/sessions', '/audit', '/search?q=nothing-here', '/drift']],
  ['admin', ['/admin', '/drift', '/audit']],
] as const;

for (const [name, viewport] of sizes) {
  for (const [user, paths] of pagesOf) {
    test(`${user}'s pages pass axe-core at ${name} size`, async ({ as }) => {
      const page = await as(user, { viewport });
      for (const path of paths) {
        await page.goto(path);
        await expect(page.locator('h1')).toBeVisible();
        await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
        await expectAccessible(page, `${user} ${path} (${name})`);
      }
      if (user === 'admin') {
        await page.goto('/admin');
        const staging = page.locator('tr[data-environment="staging"]');
        await staging.getByRole('spinbutton', { name: 'Approvals needed for staging' }).fill('2');
        await expect(staging.getByText('Unsaved changes')).toBeVisible();
        const host = page.locator('tr[data-host="prod-web-1"]');
        await host.getByRole('button', { name: 'Replace now: prod-web-1 (production)' }).click();
        await expect(host.getByRole('alert')).toContainText('Replace prod-web-1 in production?');
        await expect(host.getByRole('alert')).toContainText('although it is healthy');
        await screenshot(page, `admin-confirm-${name}`);
        await expectAccessible(page, `admin confirming a replacement (${name})`);
        await host.getByRole('button', { name: 'Cancel' }).click();
        await expect(host.getByRole('button', { name: 'Replace now: prod-web-1 (production)' })).toBeVisible();
      }
    });
  }
}
