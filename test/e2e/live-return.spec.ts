// Item 5 of issue 14: reloading a live terminal repaints it from the recent
// recorded output, and the request page offers "Return to the live session"
// as its primary action instead of opening a second session.
import { expect, screenshot, terminalText, test, typeInTerminal } from './fixtures';
import { expectAccessible, liveSession, sizes } from './workbench';

for (const [name, viewport] of sizes) {
  test(`a reloaded terminal shows what was on screen, and the request page leads back to it (${name})`, async ({ as }) => {
    const alice = await as('alice', { viewport });
    const bob = await as('bob');
    const sessionId = await liveSession(alice, bob);
    await typeInTerminal(alice, 'echo before-reload-$((6*7))\n');
    await expect(terminalText(alice)).toContainText('before-reload-42');

    await alice.reload();
    await expect(alice.getByTestId('connection')).toHaveText('Connected');
    await expect(terminalText(alice)).toContainText('before-reload-42');
    await typeInTerminal(alice, 'echo after-reload-$((6*8))\n');
    await expect(terminalText(alice)).toContainText('after-reload-48');
    await screenshot(alice, `terminal-reloaded-${name}`);

    await alice.getByRole('link', { name: 'Back to the request' }).click();
    const back = alice.getByRole('link', { name: 'Return to the live session' });
    await expect(back).toHaveClass(/primary/);
    await expect(alice.getByRole('button', { name: /^Open (a )?terminal/ })).toHaveCount(0);
    await screenshot(alice, `request-live-${name}`);
    await expectAccessible(alice, `request page with a live session (${name})`);
    await back.click();
    await expect(alice).toHaveURL(new RegExp(`/sessions/${sessionId}/terminal$`));
    await expect(terminalText(alice)).toContainText('after-reload-48');
  });
}
