import { expect, logIn, screenshot, test } from './fixtures';

test('an admin creates a user, changes their roles, disables them and resets a password on the Admin page', async ({ as, browser, broker }) => {
  const admin = await as('admin', { viewport: { width: 1440, height: 900 } });
  await admin.getByRole('link', { name: 'Admin' }).click();
  const form = admin.getByRole('form', { name: 'New local user' });
  await form.getByLabel('Username').fill('frank');
  await form.getByLabel('E-mail (optional)').fill('frank@example.com');
  await form.getByLabel('Password').fill('short');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(admin.getByRole('alert').filter({ hasText: 'at least 12 characters' })).toBeVisible();
  await form.getByLabel('Password').fill('frank has a long password');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(admin.getByRole('alert').filter({ hasText: 'must not contain the username' })).toBeVisible();
  await form.getByLabel('Password').fill('a long enough password');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(admin.getByText('User frank created.')).toBeVisible();

  const frankRow = admin.locator('tr[data-user="frank"]');
  await expect(frankRow.getByText('frank@example.com')).toBeVisible();
  await frankRow.getByRole('checkbox', { name: 'approver (frank)' }).check();
  await frankRow.getByRole('button', { name: 'Save roles' }).click();
  await expect(admin.getByText('Roles of frank saved')).toBeVisible();

  const alice = await as('alice', { expect401: true });
  const aliceRow = admin.locator('tr[data-user="alice"]');
  await aliceRow.getByRole('button', { name: 'Disable' }).click();
  await expect(admin.getByText('alice is disabled; their sessions were ended.')).toBeVisible();
  await expect(aliceRow.getByText('disabled', { exact: true })).toBeVisible();
  await expect(admin.locator('tr[data-user="admin"]').getByRole('button', { name: 'Disable' })).toBeDisabled();
  await screenshot(admin, 'admin-users-1440');
  // Alice's open page finds out: from its live events, whose stream the broker ends, or else at its next request.
  // Clicked inside the page in one step: the page may already have gone to the login page, and a locator's click would wait for a link that is gone.
  await alice.evaluate(() => document.querySelector<HTMLAnchorElement>('header nav a[href="/fleet"]')?.click());
  await expect(alice.getByRole('button', { name: 'Log in' })).toBeVisible();

  await aliceRow.getByLabel('New password for alice').fill('a new long password 2');
  await aliceRow.getByRole('button', { name: 'Reset password' }).click();
  await expect(admin.getByText('Password of alice reset.')).toBeVisible();
  await aliceRow.getByRole('button', { name: 'Enable' }).click();
  await expect(admin.getByText('alice is enabled again.')).toBeVisible();

  const narrow = await browser.newContext({ baseURL: broker.url, viewport: { width: 390, height: 844 } });
  const page = await narrow.newPage();
  await logIn(page, 'admin');
  await page.goto('/admin');
  await expect(page.locator('tr[data-user="frank"]')).toBeVisible();
  await page.locator('#users-h').scrollIntoViewIfNeeded();
  // The Users section fits the phone (the CA fingerprint above it is another section's).
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('section[aria-labelledby="users-h"] *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth)
      .map((e) => `${e.tagName}.${e.className}`),
  );
  expect(wide, 'elements of the Users section wider than the screen').toEqual([]);
  await screenshot(page, 'admin-users-390');
  await narrow.close();
});
