// An admin sets an environment's target image version, maximum host age and
// drill window on the Admin page (issue 13); bad input gets a clear message
// and saves nothing; the fleet page then names the hosts off target.
import { expect, test } from './fixtures';
import { expectAccessible, sizes } from './workbench';

test('an admin sets the fleet target, maximum host age and drill window of an environment', async ({ as }) => {
  const admin = await as('admin');
  await admin.goto('/admin');
  const staging = admin.locator('tr[data-fleet-environment="staging"]');
  const target = staging.getByRole('combobox', { name: 'Target image version for staging' });
  const age = staging.getByRole('textbox', { name: 'Maximum host age in hours for staging' });
  const window = staging.getByRole('textbox', { name: 'Drill window (UTC) for staging' });
  const save = staging.getByRole('button', { name: 'Save fleet settings for staging' });
  await expect(target).toHaveValue('');

  await window.fill('2am');
  await expect(staging.getByText('Unsaved changes')).toBeVisible();
  await save.click();
  await expect(admin.getByRole('alert').filter({ hasText: 'staging: the drill window is a daily UTC time range like 02:00-04:00' })).toBeVisible();
  await window.fill('02:00-04:00');
  await save.click();
  await expect(admin.getByRole('alert').filter({ hasText: 'set a maximum host age too' })).toBeVisible();
  await age.fill('-3');
  await save.click();
  await expect(admin.getByRole('alert').filter({ hasText: 'the maximum host age is a whole number of hours' })).toBeVisible();
  await target.fill('2026.11.2 beta');
  await save.click();
  await expect(admin.getByRole('alert').filter({ hasText: 'the target version is an image version like' })).toBeVisible();
  expect(await admin.evaluate(() => fetch('/api/environments').then((r) => r.json()))).toEqual([]);

  await target.fill('2026.11.2');
  await age.fill('168');
  await save.click();
  await expect(admin.getByText('staging saved: target 2026.11.2, maximum age 168 h, drills 02:00-04:00 UTC.')).toBeVisible();
  await expect(staging.getByText('Unsaved changes')).toHaveCount(0);

  for (const [name, viewport] of sizes) {
    await admin.setViewportSize(viewport);
    await admin.goto('/admin');
    await expect(admin.locator('tr[data-fleet-environment="staging"]').getByRole('textbox', { name: 'Drill window (UTC) for staging' })).toHaveValue(
      '02:00-04:00',
    );
    await admin
      .locator('section', { has: admin.getByRole('heading', { name: 'Fleet targets and drills' }) })
      .screenshot({ path: `test-results/screenshots/fleet-settings-${name}.png` });
    await expectAccessible(admin, `fleet settings (${name})`);
  }
  // Every staging host runs 2026.11.1: the fleet page now leads with them, off target.
  await admin.goto('/fleet');
  await expect(admin.getByText(/2026\.11\.2/).first()).toBeVisible();
});
