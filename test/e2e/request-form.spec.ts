import { expect, test } from './fixtures';

test('the request form shows what is missing next to each field', async ({ as }) => {
  const alice = await as('alice');
  await alice.getByRole('link', { name: 'Request access', exact: true }).click();
  await alice.getByRole('button', { name: 'Request access' }).click();
  await expect(alice.getByText('Choose a host.')).toBeVisible();
  await expect(alice.getByText('Give a reason.')).toBeVisible();
  await expect(alice.getByLabel('Host')).toBeFocused();
  const host = alice.getByLabel('Host');
  await host.selectOption((await host.locator('option', { hasText: 'staging-web-1 (' }).getAttribute('value'))!);
  await alice.getByLabel('Reason').fill('Too long a window');
  await alice.getByLabel('Duration in minutes').fill('100000');
  await alice.getByRole('button', { name: 'Request access' }).click();
  await expect(alice.getByText('Choose between 1 and 240 minutes.')).toBeVisible();
  await expect(alice.getByLabel('Duration in minutes')).toHaveAttribute('aria-invalid', 'true');
  await expect(alice).toHaveURL(/\/requests\/new$/);
});
