import { expect, test } from './fixtures';

test('a 401 sends the user to the login page with a message', async ({ as }) => {
  const alice = await as('alice', { expect401: true });
  await alice.context().clearCookies();
  await alice.getByRole('link', { name: 'Requests' }).click();
  await expect(alice.getByText('Your session has expired — log in again.')).toBeVisible();
  await expect(alice).toHaveURL(/\/login\?next=/);
});
