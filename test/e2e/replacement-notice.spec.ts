// Items 3 and 10 of issue 14: the requester is told the host will be replaced
// before (form, request page, the terminal's first notice) and after (the end
// banner, the request page); a normal exit is not an alarm.
import { expect, screenshot, test, typeInTerminal } from './fixtures';
import { expectAccessible, sizes } from './workbench';
import { requestCard } from './fixtures';

for (const [name, viewport] of sizes) {
  test(`the requester hears about the replacement before and after, and exit is calm (${name})`, async ({ as }) => {
    const alice = await as('alice', { viewport });
    const bob = await as('bob');
    await alice.goto('/requests/new');
    const host = alice.getByLabel('Host');
    await host.selectOption((await host.locator('option', { hasText: 'staging-web-1 (' }).getAttribute('value'))!);
    await expect(alice.getByTestId('replacement-note')).toHaveText(/staging-web-1 is replaced by a fresh instance \(instance 1 → 2\)/);
    await expectAccessible(alice, `request form (${name})`);
    await alice.getByLabel('Reason').fill('Look at the logs');
    await alice.getByRole('button', { name: 'Request access' }).click();
    await expect(alice.getByTestId('request-status')).toHaveText('pending');
    await expect(alice.getByTestId('replacement-note')).toContainText('staging-web-1 is being replaced: instance 1 → 2');
    await requestCard(bob, 'alice', 'staging-web-1')
      .getByRole('button', { name: /^Approve/ })
      .click();
    await alice.getByRole('button', { name: 'Open terminal' }).click();
    await expect(alice.getByTestId('notice')).toContainText('When the session ends, staging-web-1 is replaced (instance 1 → 2).');

    await typeInTerminal(alice, 'exit\n');
    const reason = alice.getByTestId('end-reason');
    await expect(reason).toHaveText('You left the shell; the session is over.');
    await expect(alice.getByTestId('notice')).not.toContainText('session ended: exit');
    await expect(alice.getByTestId('replacement-note')).toContainText('staging-web-1 is being replaced: instance 1 → 2');
    // Not alarm red: the banner of a normal exit is a status, in a calm colour.
    await expect(alice.locator('.end-banner')).toHaveAttribute('role', 'status');
    await expect(alice.locator('.end-banner')).toHaveClass(/end-ok/);
    await screenshot(alice, `terminal-exit-${name}`);
    await expectAccessible(alice, `terminal after exit (${name})`);

    await alice.locator('.end-banner').getByRole('link', { name: 'Back to the request' }).click();
    // The replacement runs once the session is over; the page then offers the fresh instance.
    await expect(alice.getByTestId('replacement-note')).toHaveText(/staging-web-1 has been replaced: it is now a fresh instance \(instance 2\)/);
    await expect(alice.getByRole('button', { name: 'Open a terminal on the fresh instance' })).toBeVisible();
    await screenshot(alice, `request-after-exit-${name}`);
  });
}
