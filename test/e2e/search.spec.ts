// Search across sessions (issue 14): an auditor finds who ran a command, in
// any recording, and lands on that moment of the replay.
import { expect, screenshot, terminalText, test, typeInTerminal } from './fixtures';
import { expectAccessible, liveSession, sizes } from './workbench';

test('an auditor finds a command in all recordings and opens the replay at that moment', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  await liveSession(alice, bob);
  await typeInTerminal(alice, 'echo one; echo systemctl-restart-$((40+2))-nginx\n');
  await expect(terminalText(alice)).toContainText('systemctl-restart-42-nginx');
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [name, viewport] of sizes) {
    const dave = await as('dave', { viewport });
    await dave.getByRole('link', { name: 'Search' }).click();
    await dave.getByLabel('Text typed or shown in a session').fill('systemctl-restart-42');
    // The index follows committed chunks asynchronously: search until it has the session.
    await expect(async () => {
      await dave.getByRole('button', { name: 'Search', exact: true }).click();
      await expect(dave.getByTestId('search-results').getByRole('listitem')).toHaveCount(1, { timeout: 1000 });
    }).toPass();
    const hit = dave.getByTestId('search-results').getByRole('listitem').first();
    await expect(hit).toContainText('alice on staging-web-1');
    await expect(hit).toContainText('output');
    await expect(hit.locator('pre')).toHaveText('systemctl-restart-42-nginx');
    await screenshot(dave, `search-${name}`);
    await expectAccessible(dave, `search results (${name})`);
    // The typed line is found too (input), with its own words.
    await dave.getByLabel('Text typed or shown in a session').fill('$((40+2))');
    await dave.getByRole('button', { name: 'Search', exact: true }).click();
    const typed = dave.getByTestId('search-results').getByRole('listitem').filter({ hasText: 'typed' });
    await expect(typed.locator('pre')).toHaveText('echo one; echo systemctl-restart-$((40+2))-nginx');
    await dave.goBack();
    await dave.getByTestId('search-results').getByRole('link').first().click();
    await expect(dave).toHaveURL(/\/sessions\/[0-9a-f-]{36}\?t=\d+&q=/);
    await expect(dave.getByTestId('search-status')).toHaveText(/^Match 1 of 1/);
    await expect(terminalText(dave).locator('div', { hasText: /^systemctl-restart-42-nginx\s*$/ })).toBeInViewport();
  }
  // Filters: another environment finds nothing.
  const dave = await as('dave');
  await dave.goto('/search?q=systemctl-restart-42&environment=production');
  await expect(dave.getByText('No recording contains “systemctl-restart-42”.')).toBeVisible();
  await dave.goto('/search?q=systemctl-restart-42&environment=staging');
  await expect(dave.getByTestId('search-results').getByRole('listitem')).toHaveCount(1);
  // A requester cannot search others' recordings.
  expect((await alice.request.get('/api/search/recordings?q=systemctl')).status()).toBe(403);
});
