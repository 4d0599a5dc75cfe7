// People in the loop: emergency access from the browser with its banners and
// the review by an approver; an extension asked and approved while the
// terminal stays open.
import { expect, requestCard, screenshot, terminalText, test, typeInTerminal } from './fixtures';

test.use({
  brokerEnv: {
    BREAKGLASS_POLICY: JSON.stringify({
      staging: {
        approvalsRequired: 1,
        minDurationMinutes: 1,
        maxDurationMinutes: 240,
        emergencyAllowed: true,
        emergencyApprovalsRequired: 0,
        emergencyMaxDurationMinutes: 30,
        reviewWithinHours: 8,
      },
    }),
  },
});

test('emergency access from the browser: granted at once, a banner on the pages and in the terminal, reviewed by another approver', async ({ as }) => {
  const alice = await as('alice', { viewport: { width: 1440, height: 900 } });
  const bob = await as('bob', { viewport: { width: 390, height: 844 } });

  await alice.getByRole('link', { name: 'Request access', exact: true }).first().click();
  const host = alice.getByLabel('Host');
  await host.selectOption((await host.locator('option', { hasText: 'staging-web-1 (' }).getAttribute('value'))!);
  await alice.getByLabel('Reason').fill('Checkout is down and no approver answers the page.');
  await alice.getByLabel('Duration in minutes').fill('20');
  await alice.getByLabel(/Emergency: grant now/).check();
  await expect(alice.getByText(/At most 30 minutes; granted at once/)).toBeVisible();
  await screenshot(alice, 'emergency-request-form');
  await alice.getByRole('button', { name: 'Request access' }).click();
  await expect(alice.getByTestId('request-status')).toHaveText('approved');
  await expect(alice.getByTestId('emergency-banner')).toContainText('Emergency access.');
  await expect(alice.getByTestId('emergency-banner')).toContainText('Review by an approver due');
  await screenshot(alice, 'emergency-request-page');

  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await expect(alice.getByTestId('emergency-banner')).toBeVisible();
  await typeInTerminal(alice, 'echo glass-$((6*7))\n');
  await expect(terminalText(alice)).toContainText('glass-42');
  await screenshot(alice, 'emergency-terminal');

  await bob.getByRole('link', { name: 'Reviews' }).click();
  await expect(bob.getByRole('heading', { name: 'Emergency reviews' })).toBeVisible();
  await expect(bob.getByRole('link', { name: 'staging-web-1' })).toBeVisible();
  await screenshot(bob, 'reviews-queue-mobile');
  await bob.getByRole('link', { name: 'staging-web-1' }).click();
  await expect(bob.getByTestId('emergency-banner')).toBeVisible();
  await bob.getByRole('button', { name: 'Flag' }).click();
  await expect(bob.getByText('Say what is wrong.')).toBeVisible();
  await bob.getByLabel('Review comment').fill('Fine: the incident log shows nobody was reachable.');
  await bob.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(bob.getByTestId('emergency-banner')).toContainText('Reviewed by bob: acknowledged');
  await screenshot(bob, 'emergency-reviewed-mobile');
  await bob.getByRole('link', { name: 'Reviews' }).click();
  await expect(bob.getByText('No emergency access waits for a review.')).toBeVisible();

  // The session list and its replay say it too.
  await bob.getByRole('link', { name: 'Sessions' }).click();
  const row = bob.locator('tr[data-session-id]').first();
  await expect(row).toContainText('emergency');
  await row.getByRole('link', { name: /^Replay/ }).click();
  await expect(bob.getByTestId('emergency-banner')).toContainText('emergency grant');
  await screenshot(bob, 'emergency-replay-mobile');
});

test('an extension asked from the terminal and approved while the terminal stays open; a watcher sees the new end', async ({ as }) => {
  const alice = await as('alice', { viewport: { width: 1440, height: 900 } });
  const bob = await as('bob');
  const watcher = await as('carol', { viewport: { width: 390, height: 844 } });

  await alice.getByRole('link', { name: 'Request access', exact: true }).first().click();
  const host = alice.getByLabel('Host');
  await host.selectOption((await host.locator('option', { hasText: 'staging-db-1 (' }).getAttribute('value'))!);
  await alice.getByLabel('Reason').fill('Vacuum a bloated table.');
  await alice.getByLabel('Duration in minutes').fill('10');
  await alice.getByRole('button', { name: 'Request access' }).click();
  await expect(alice.getByTestId('request-status')).toHaveText('pending');
  await requestCard(bob, 'alice', 'staging-db-1')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await expect(alice.getByTestId('request-status')).toHaveText('approved');

  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await expect(alice.getByTestId('time-left')).toHaveText(/^(10:00|9:\d\d)$/);
  await typeInTerminal(alice, 'echo before-$((1+1))\n');
  await expect(terminalText(alice)).toContainText('before-2');
  await watcher.goto(alice.url());
  await expect(watcher.getByText('watching alice (read-only)')).toBeVisible();
  await expect(watcher.getByTestId('ends-at')).toHaveAttribute('datetime', (await alice.getByTestId('ends-at').getAttribute('datetime'))!);
  const plannedEnd = Date.parse((await watcher.getByTestId('ends-at').getAttribute('datetime'))!);

  await alice.getByLabel('Minutes').fill('20');
  await alice.getByLabel('Reason').fill('The vacuum takes longer than planned.');
  await alice.getByRole('button', { name: 'Ask for more time' }).click();
  await expect(alice.getByTestId('extension-state')).toHaveText('Extension of 20 min waiting for approval.');
  await expect(alice.getByTestId('notice')).toContainText('Extension of 20 minute(s) requested');
  await screenshot(alice, 'extension-asked');

  await bob.getByTestId('extension-asked').click();
  await expect(bob.getByTestId('extension')).toContainText('+20 min · pending');
  await bob.getByRole('button', { name: 'Approve extension' }).click();
  await expect(bob.getByTestId('extension')).toContainText('+20 min · approved');

  await expect(alice.getByTestId('notice')).toContainText('Extension approved');
  await expect(alice.getByTestId('extension-state')).toHaveText('Extension of 20 min approved.');
  await expect(alice.getByTestId('time-left')).toHaveText(/^(30:00|29:\d\d)$/);
  const newEnd = new Date(plannedEnd + 20 * 60_000).toISOString();
  await expect(alice.getByTestId('ends-at')).toHaveAttribute('datetime', newEnd);
  await expect(watcher.getByTestId('ends-at')).toHaveAttribute('datetime', newEnd);
  await expect(watcher.getByTestId('time-left')).toHaveText(/^(30:00|29:\d\d)$/);
  await screenshot(watcher, 'extension-approved-watcher-mobile');
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(alice, 'echo after-$((2+2))\n');
  await expect(terminalText(alice)).toContainText('after-4');
  await screenshot(alice, 'extension-approved');
  await alice.setViewportSize({ width: 390, height: 844 });
  await screenshot(alice, 'extension-approved-mobile');
});

test('an admin adds a notification channel on the Admin page; its secret is not shown again', async ({ as }) => {
  const admin = await as('admin', { viewport: { width: 1440, height: 900 } });
  await admin.getByRole('link', { name: 'Admin' }).click();
  const form = admin.getByRole('form', { name: 'Add a notification channel' });
  await form.getByLabel('Environment').fill('staging');
  await form.getByLabel('Name').fill('on-call hook');
  await form.getByLabel('Target').fill('https://hooks.example.test/breakglass');
  await form.getByLabel('Secret').fill('s3cret-s3cret-s3cret');
  await form.getByRole('checkbox', { name: 'operations' }).check();
  await form.getByRole('button', { name: 'Add channel' }).click();
  await expect(form.getByText('Channel on-call hook added.')).toBeVisible();
  const section = admin.getByRole('region', { name: 'Notifications' });
  await expect(section.getByRole('cell', { name: 'on-call hook', exact: true })).toBeVisible();
  await expect(section).not.toContainText('s3cret-s3cret-s3cret');
  await expect(section.getByText('No failed deliveries.')).toBeVisible();
  await section.screenshot({ path: 'test-results/screenshots/admin-notifications.png' });
  const loop = admin.getByRole('region', { name: 'Idle timeout and emergency access' });
  await loop.getByLabel('Idle timeout in minutes for production').fill('20');
  await loop.getByLabel('Emergency allowed in production').check();
  await loop.getByLabel('Emergency approvals for production').selectOption('1');
  await loop.getByRole('button', { name: 'Save production' }).click();
  await expect(loop.getByText('production: idle 20, emergency allowed.')).toBeVisible();
  await loop.screenshot({ path: 'test-results/screenshots/admin-emergency-policy.png' });
  await admin.setViewportSize({ width: 390, height: 844 });
  await section.screenshot({ path: 'test-results/screenshots/admin-notifications-mobile.png' });
});

test("the reviews page and the admin page's new sections fit a 390 px screen", async ({ as }) => {
  for (const [user, path] of [
    ['bob', '/reviews'],
    ['dave', '/reviews'],
    ['admin', '/admin'],
  ] as const) {
    const page = await as(user, { viewport: { width: 390, height: 844 } });
    await page.goto(path);
    await expect(page.locator('h1')).toBeVisible();
    await expect(page.locator('.loading')).toHaveCount(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className} ${e.textContent?.slice(0, 40)}`),
    );
    expect(overflow, `${path} is wider than the screen: ${wide.join(' | ')}`).toBeLessThanOrEqual(0);
    await screenshot(page, `phone-${user}${path.replace(/\//g, '-')}`);
  }
});

test('an admin changes a channel and deletes it after confirming, on a wide screen and on a phone', async ({ as }) => {
  for (const [size, viewport] of [
    ['desktop', { width: 1440, height: 900 }],
    ['mobile', { width: 390, height: 844 }],
  ] as const) {
    const admin = await as('admin', { viewport });
    await admin.goto('/admin');
    const section = admin.getByRole('region', { name: 'Notifications' });
    const form = admin.getByRole('form', { name: 'Add a notification channel' });
    await form.getByLabel('Environment').fill('staging');
    await form.getByLabel('Name').fill(`hook-${size}`);
    await form.getByLabel('Target').fill('https://hooks.example.test/old');
    await form.getByLabel('Secret').fill('s3cret-s3cret-s3cret');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await expect(section.locator('tr', { hasText: `hook-${size}` })).toBeVisible();

    await section.getByRole('button', { name: `Edit channel hook-${size}` }).click();
    const editor = section.getByRole('form', { name: `Edit channel hook-${size}` });
    await expect(editor.getByLabel('Secret')).toHaveValue('');
    await editor.getByLabel('Name').fill(`pager-${size}`);
    await editor.getByLabel('Target').fill('https://hooks.example.test/new');
    await editor.getByRole('checkbox', { name: 'extension.requested' }).uncheck();
    await editor.screenshot({ path: `test-results/screenshots/admin-channel-edit-${size}.png` });
    await editor.getByRole('button', { name: 'Save channel' }).click();
    await expect(section.getByText(`Channel pager-${size} saved.`)).toBeVisible();
    await expect(editor).toHaveCount(0);
    const row = section.locator('tr', { hasText: `pager-${size}` });
    await expect(row).toContainText('https://hooks.example.test/new');
    await expect(row).toContainText('request.created');
    await expect(row).not.toContainText('extension.requested');

    await row.getByRole('button', { name: `Delete channel pager-${size}` }).click();
    await expect(row.getByRole('alert')).toContainText(`Delete pager-${size} (webhook, staging)?`);
    await row.screenshot({ path: `test-results/screenshots/admin-channel-delete-confirm-${size}.png` });
    await row.getByRole('button', { name: 'Cancel' }).click();
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: `Delete channel pager-${size}` }).click();
    await row.getByRole('button', { name: `Yes, delete pager-${size}` }).click();
    await expect(section.getByText(`Channel pager-${size} deleted.`)).toBeVisible();
    await expect(section.locator('tr', { hasText: `pager-${size}` })).toHaveCount(0);
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the admin page fits the screen').toBeLessThanOrEqual(0);
  }
});
