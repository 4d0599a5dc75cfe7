import { expect, requestAccess, requestCard, screenshot, test, terminalText, typeInTerminal } from './fixtures';

test('an approver revokes a grant and the open terminal ends at once', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-db-1', reason: 'Vacuum a bloated table', minutes: 30 });
  await requestCard(bob, 'alice', 'staging-db-1')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(alice, 'echo before-revoke\n');
  await expect(terminalText(alice)).toContainText('before-revoke');

  // Carol watches the live session, read-only.
  const carol = await as('carol');
  await carol.getByRole('link', { name: 'Sessions' }).click();
  await carol.getByRole('link', { name: "Watch alice's live session on staging-db-1" }).click();
  await expect(carol.getByText('watching alice (read-only)')).toBeVisible();
  await expect(carol.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(alice, 'echo while-watched\n');
  await expect(terminalText(carol)).toContainText('while-watched');

  const grants = bob.getByRole('table', { name: 'Active grants' });
  await expect(grants).toContainText('staging-db-1');
  await screenshot(bob, 'approvals-active-grants');
  await grants.getByRole('button', { name: 'Revoke access: alice on staging-db-1' }).click();
  await bob.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(bob.getByText('No access is open right now.')).toBeVisible();

  await expect(alice.getByTestId('end-reason')).toHaveAttribute('data-reason', 'revoked');
  await expect(alice.getByTestId('end-reason')).toHaveText('An approver revoked this access.');
  await screenshot(alice, 'terminal-revoked');
  await expect(carol.getByTestId('end-reason')).toHaveAttribute('data-reason', 'revoked');
  await screenshot(carol, 'terminal-watch-ended');
});
