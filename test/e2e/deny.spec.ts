import { expect, requestAccess, requestCard, screenshot, test } from './fixtures';

test('an approver denies a request with a comment and the requester sees it live', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-web-1', reason: 'Check disk usage by hand', minutes: 10 });

  const card = requestCard(bob, 'alice', 'staging-web-1');
  await card.getByRole('button', { name: /^Deny/ }).click();
  await expect(card.getByText('Say why you deny it.')).toBeVisible();
  await expect(card.getByLabel('Comment')).toHaveAttribute('aria-invalid', 'true');
  await card.getByLabel('Comment').fill('Use the metrics dashboard instead.');
  await card.getByRole('button', { name: /^Deny/ }).click();
  await expect(card).toBeHidden();

  await expect(alice.getByTestId('request-status')).toHaveText('denied');
  await expect(alice.getByText('bob denied: “Use the metrics dashboard instead.”')).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Open terminal' })).toHaveCount(0);
  await screenshot(alice, 'request-denied');

  await alice.getByRole('button', { name: 'Log out' }).click();
  await expect(alice.getByLabel('Username')).toBeVisible();
  await alice.goto('/requests');
  await expect(alice).toHaveURL(/\/login\?next=%2Frequests$/);
});
