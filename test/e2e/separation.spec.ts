import { expect, requestAccess, screenshot, test } from './fixtures';

// erin, of the demo seed, is both requester and approver.
test('nobody is offered to approve their own request', async ({ as }) => {
  const erin = await as('erin');
  await requestAccess(erin, { host: 'staging-web-1', reason: 'Look at my own change', minutes: 5 });
  await expect(erin.getByText('You cannot approve your own request')).toBeVisible();
  await expect(erin.getByRole('button', { name: /^Approve/ })).toHaveCount(0);

  await erin.getByRole('link', { name: 'Approvals' }).click();
  const card = erin.getByRole('article', { name: 'erin requests staging-web-1' });
  await expect(card.getByText('You cannot approve your own request')).toBeVisible();
  await expect(card.getByRole('button')).toHaveCount(0);
  await screenshot(erin, 'approvals-own-request');
});
