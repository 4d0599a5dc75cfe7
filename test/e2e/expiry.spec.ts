import { expect, requestAccess, requestCard, screenshot, test, typeInTerminal, terminalText } from './fixtures';

// A policy minute of 15 s: a 1-minute grant ends while the terminal is open.
test.use({
  brokerEnv: {
    BREAKGLASS_MINUTE_MS: '15000',
    BREAKGLASS_WARN_BEFORE_END_MINUTES: '0.5',
  },
});

test('the terminal shows the warning and then ends when the grant expires', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-web-2', reason: 'Rotate a stuck log file', minutes: 1 });
  await requestCard(bob, 'alice', 'staging-web-2')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(alice, 'echo still-here\n');
  await expect(terminalText(alice)).toContainText('still-here');

  await expect(alice.getByTestId('notice')).toContainText('The shell will be closed then.');
  await screenshot(alice, 'terminal-warning');
  await expect(alice.getByTestId('end-reason')).toHaveAttribute('data-reason', 'expired');
  await expect(alice.getByTestId('end-reason')).toHaveText('The access window expired.');
  await expect(alice.getByRole('link', { name: 'Replay the recording' })).toBeVisible();
  await screenshot(alice, 'terminal-expired');

  // The request page no longer offers the terminal.
  await alice.getByRole('link', { name: 'Back to the request' }).last().click();
  await expect(alice.getByTestId('request-status')).toHaveText(/^(closed|expired)$/);
  await expect(alice.getByRole('button', { name: 'Open terminal' })).toHaveCount(0);
});
