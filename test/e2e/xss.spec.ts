import { expect, requestAccess, requestCard, test } from './fixtures';

test('a reason with markup is shown as text everywhere', async ({ as }) => {
  const payload = '<img src=x onerror=alert(1)>';
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-web-2', reason: payload, ticket: '<b>INC-1</b>' });

  await expect(alice.locator('.reason')).toHaveText(payload);
  await expect(alice.getByText('<b>INC-1</b>')).toBeVisible();
  await expect(alice.locator('#main img')).toHaveCount(0);

  const card = requestCard(bob, 'alice', 'staging-web-2');
  await expect(card.locator('.reason')).toHaveText(payload);
  await expect(bob.locator('#main img, #main b')).toHaveCount(0);

  await alice.getByRole('link', { name: 'Requests' }).click();
  await expect(alice.locator('.reason').first()).toHaveText(payload);
  await expect(alice.locator('#main img')).toHaveCount(0);
  // An alert() would have been recorded as an unexpected dialog by the fixture.
});
