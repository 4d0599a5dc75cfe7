import { expect, screenshot, test } from './fixtures';

test('an admin edits a policy, replaces a host and reads the SSH CA key', async ({ as }) => {
  const admin = await as('admin');
  await admin.getByRole('link', { name: 'Admin' }).click();
  await expect(admin.getByRole('heading', { name: 'Administration' })).toBeVisible();

  const staging = admin.locator('tr[data-environment="staging"]');
  await staging.getByRole('spinbutton', { name: 'Approvals needed for staging' }).fill('2');
  await expect(staging.getByText('Unsaved changes')).toBeVisible();
  await staging.getByRole('button', { name: 'Save staging' }).click();
  await expect(staging.getByText('Unsaved changes')).toHaveCount(0);
  await expect(admin.getByText('Policy for staging saved: 2 approval(s)')).toBeVisible();
  await staging.getByRole('spinbutton', { name: 'Longest grant in minutes for staging' }).fill('0');
  await staging.getByRole('button', { name: 'Save staging' }).click();
  await expect(admin.getByRole('alert').filter({ hasText: 'staging: durations must be whole minutes' })).toBeVisible();

  const host = admin.locator('tr[data-host="staging-db-1"]');
  await expect(host.getByText('1', { exact: true })).toBeVisible();
  await host.getByRole('button', { name: 'Replace now: staging-db-1 (staging)' }).click();
  // Nothing happens before the admin confirms, having read host and environment (issue 14).
  await expect(host.getByRole('alert')).toContainText('Replace staging-db-1 in staging?');
  await host.getByRole('button', { name: 'Yes, replace staging-db-1' }).click();
  // The page follows the replacement live: a new instance, healthy again, and the status says so.
  await expect(host.getByText('2', { exact: true })).toBeVisible();
  await expect(admin.getByText('staging-db-1 replaced: now instance 2.')).toBeVisible();
  await expect(host.getByRole('button', { name: 'Replace now: staging-db-1 (staging)' })).toBeEnabled();

  await expect(admin.getByLabel('SSH CA public key')).toContainText('ssh-ed25519 ');
  await screenshot(admin, 'admin');

  const alice = await as('alice');
  await expect(alice.getByRole('link', { name: 'Admin' })).toHaveCount(0);
});
