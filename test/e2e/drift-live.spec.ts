// Item 4 of issue 14: during a session the drift ledger lists the session that
// caused the drift and says the host is replaced when it ends, not "not
// scheduled" nor the previous replacement's outcome.
import { expect, screenshot, test, typeInTerminal } from './fixtures';
import { expectAccessible, liveSession, sizes } from './workbench';

test('the drift ledger shows the live session and "replaced when the session ends"', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  // A first session and its replacement: the ledger must not show that old "succeeded" later.
  await liveSession(alice, bob);
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();
  const admin = await as('admin');
  await admin.goto('/fleet');
  await expect(admin.locator('tr[data-host="staging-web-1"]')).toContainText('healthy');

  await alice.goto('/fleet');
  await liveSession(alice, bob);
  for (const [name, viewport] of sizes) {
    await admin.setViewportSize(viewport);
    await admin.goto('/drift');
    const row = admin.getByRole('table', { name: 'Drifted hosts' }).locator('tr[data-host="staging-web-1"]');
    await expect(row).toContainText('alice');
    await expect(row).toContainText('live');
    await expect(row).toContainText('replaced when the session ends');
    await expect(row).not.toContainText('not scheduled');
    await expect(row).not.toContainText('succeeded');
    await screenshot(admin, `drift-live-${name}`);
    await expectAccessible(admin, `drift ledger during a session (${name})`);
  }
  await typeInTerminal(alice, 'exit\n');
  await expect(admin.getByRole('table', { name: 'Drifted hosts' }).locator('tr[data-host="staging-web-1"]')).toHaveCount(0);
});
