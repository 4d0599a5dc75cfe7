import { expect, screenshot, test } from './fixtures';

test('the audit chain verifies and pages', async ({ as, broker, request }) => {
  // Enough login events for a second page of 50.
  for (let i = 0; i < 50; i += 1) {
    expect((await request.post(`${broker.url}/api/auth/login`, { data: { username: 'carol', password: 'demo' } })).ok()).toBe(true);
  }
  const dave = await as('dave');
  await dave.getByRole('link', { name: 'Audit' }).click();
  const events = dave.getByRole('table', { name: 'Audit events' });
  await expect(events).toContainText('auth.login');
  await expect(events.locator('tbody tr')).toHaveCount(50);
  // Newest first (issue 14): the first row is the latest event, the next page goes back in time.
  const newest = Number(await events.locator('tbody tr').first().locator('td').first().textContent());
  expect(newest).toBeGreaterThan(50);
  await dave.getByRole('button', { name: 'Older →' }).click();
  await expect(events.locator('tbody tr').first().locator('td').first()).toHaveText(String(newest - 50));
  await expect(dave.getByText('Page 2')).toBeVisible();
  await dave.getByRole('button', { name: '← Newer' }).click();
  await expect(events.locator('tbody tr').first().locator('td').first()).toHaveText(String(newest));
  await dave.getByLabel('Event type').fill('request.created');
  await dave.getByRole('button', { name: 'Apply' }).click();
  await expect(dave.getByText('No audit events here.')).toBeVisible();
  await dave.getByLabel('Event type').fill('');
  await dave.getByRole('button', { name: 'Apply' }).click();
  await dave.getByRole('button', { name: 'Verify chain' }).click();
  await expect(dave.getByTestId('verify-result')).toHaveText(/^Chain intact: \d+ events, head [0-9a-f]+\.$/);
  await screenshot(dave, 'audit');
});
