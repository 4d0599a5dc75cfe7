import { expect, requestAccess, screenshot, test } from './fixtures';

// Needs a user who is both requester and approver (see docs/web-needs.md).
const BOTH = process.env.BREAKGLASS_E2E_REQUESTER_APPROVER ?? 'erin';

test('nobody is offered to approve their own request', async ({ as, broker, request }) => {
  const login = await request.post(`${broker.url}/api/auth/login`, { data: { username: BOTH, password: 'demo' } });
  test.skip(!login.ok(), `the demo seed has no user "${BOTH}" with both requester and approver roles`);

  const erin = await as(BOTH);
  await requestAccess(erin, { host: 'staging-web-1', reason: 'Look at my own change', minutes: 5 });
  await expect(erin.getByText('You cannot approve your own request')).toBeVisible();
  await expect(erin.getByRole('button', { name: /^Approve/ })).toHaveCount(0);

  await erin.getByRole('link', { name: 'Approvals' }).click();
  const card = erin.getByRole('article', { name: `${BOTH} requests staging-web-1` });
  await expect(card.getByText('You cannot approve your own request')).toBeVisible();
  await expect(card.getByRole('button')).toHaveCount(0);
  await screenshot(erin, 'approvals-own-request');
});
