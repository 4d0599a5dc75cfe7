// The fleet page shows each local host's owner replica and whether it holds its
// lease; an admin hands a host whose owner is gone over to a live replica, which
// rebuilds it. (The gone replica is a row whose lease expired an hour ago.)
import { asSuperuser } from '../helpers/database';
import { expect, screenshot, test } from './fixtures';
import { expectAccessible, sizes } from './workbench';

test('the fleet shows owner replicas; an admin hands over a host whose owner is gone', async ({ as, broker }) => {
  await asSuperuser((broker as unknown as { databaseUrl: string }).databaseUrl, async (c) => {
    await c.query(
      `INSERT INTO brokers (id, started_at, heartbeat_at, lease_until) VALUES ('replica-gone', now() - interval '2 hours', now() - interval '1 hour', now() - interval '1 hour')`,
    );
    await c.query(`UPDATE hosts SET owner_broker_id = 'replica-gone' WHERE name = 'staging-web-2'`);
  });
  const alice = await as('alice');
  await alice.goto('/fleet');
  await expect(alice.locator('tr[data-host="staging-web-1"]')).toContainText('alive');
  await expect(alice.locator('tr[data-host="staging-web-2"]')).toContainText('replica-gone');
  await expect(alice.locator('tr[data-host="staging-web-2"]')).toContainText('gone');
  await expect(alice.getByRole('button', { name: /Hand staging-web-2 over/ })).toHaveCount(0);

  const admin = await as('admin');
  for (const [name, viewport] of sizes) {
    await admin.setViewportSize(viewport);
    await admin.goto('/fleet');
    const row = admin.locator('tr[data-host="staging-web-2"]');
    await expect(row).toContainText('replica-gone');
    await expect(row.getByRole('button', { name: 'Hand staging-web-2 over to a live replica' })).toBeVisible();
    await expect(admin.getByRole('button', { name: /Hand staging-web-1 over/ })).toHaveCount(0);
    await screenshot(admin, `fleet-owner-${name}`);
    await expectAccessible(admin, `fleet with a gone owner (${name})`);
  }
  const row = admin.locator('tr[data-host="staging-web-2"]');
  await row.getByRole('button', { name: 'Hand staging-web-2 over to a live replica' }).click();
  await expect(row.getByRole('alert')).toContainText('Its directory stayed on');
  await screenshot(admin, 'fleet-handover-confirm-phone');
  await row.getByRole('button', { name: 'Yes, move staging-web-2' }).click();
  await expect(admin.getByText(/staging-web-2 moves to .*rebuilds it from/)).toBeVisible();
  await expect(row).not.toContainText('replica-gone');
  await expect(row).toContainText('alive');
  await expect(row).toContainText('healthy');
});
