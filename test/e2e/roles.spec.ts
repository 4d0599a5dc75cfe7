// Items 6 and 8 of issue 14: a page for another role says "you do not have
// access" instead of showing buttons the API refuses; approvers see how many
// requests wait for them in the navigation.
import { expect, screenshot, test } from './fixtures';
import { expectAccessible, sizes } from './workbench';

for (const [name, viewport] of sizes) {
  test(`pages refuse roles they are not for, and approvers see the pending count (${name})`, async ({ as }) => {
    const alice = await as('alice', { viewport });
    for (const path of ['/admin', '/audit', '/approvals', '/sessions', '/search']) {
      await alice.goto(path);
      await expect(alice.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
      await expect(alice.getByRole('button', { name: /Replace now|Save/ })).toHaveCount(0);
    }
    await screenshot(alice, `no-access-${name}`);
    await expectAccessible(alice, `no access page (${name})`);
    const dave = await as('dave', { viewport });
    await dave.goto('/requests/new');
    await expect(dave.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();

    const bob = await as('bob', { viewport });
    await expect(bob.getByTestId('pending-count')).toBeHidden();
    await alice.goto('/requests/new');
    const host = alice.getByLabel('Host');
    await host.selectOption((await host.locator('option', { hasText: 'staging-web-1 (' }).getAttribute('value'))!);
    await alice.getByLabel('Reason').fill('Count me');
    await alice.getByRole('button', { name: 'Request access' }).click();
    await expect(bob.getByTestId('pending-count')).toHaveText('1 waiting');
    await expect(bob.getByRole('link', { name: 'Approvals 1 waiting' })).toBeVisible();
    await screenshot(bob, `pending-count-${name}`);
    await expectAccessible(bob, `approvals with a pending request (${name})`);

    // alice withdraws it (item 10): the count goes back to nothing, and she can ask again.
    await alice.getByRole('button', { name: 'Withdraw request' }).click();
    await expect(alice.getByTestId('request-status')).toHaveText('withdrawn');
    await expect(bob.getByTestId('pending-count')).toBeHidden();
    await expect(alice.getByRole('link', { name: 'Request again' })).toBeVisible();
  });
}
