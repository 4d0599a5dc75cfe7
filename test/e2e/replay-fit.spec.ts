// Item 1 of issue 14: the replay shows the whole recorded screen (scaled to
// fit, at desktop and phone sizes), offers full screen, and a search match is
// on screen.
import { expect, screenshot, terminalText, test, typeInTerminal } from './fixtures';
import { boxInside, desktop, expectAccessible, liveSession, sizes } from './workbench';

test('the replay fits the whole recorded screen, at 1440x900 and on a phone, and shows a search match', async ({ as }) => {
  const alice = await as('alice', { viewport: desktop });
  const bob = await as('bob');
  const sessionId = await liveSession(alice, bob);
  // The whole screen full, with a last line at the very bottom.
  await typeInTerminal(alice, 'seq 1 300; echo BOTTOM-ROW-MARK\n');
  await expect(terminalText(alice)).toContainText('BOTTOM-ROW-MARK');
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [name, viewport] of sizes) {
    const dave = await as('dave', { viewport });
    await dave.goto(`/sessions/${sessionId}`);
    await expect(dave.getByTestId('player')).toBeVisible();
    await dave.getByRole('slider', { name: 'Seek' }).fill(String(await dave.getByRole('slider', { name: 'Seek' }).getAttribute('max')));
    await expect(terminalText(dave)).toContainText('BOTTOM-ROW-MARK');
    await dave.getByTestId('player').scrollIntoViewIfNeeded();
    await expect.poll(() => boxInside(dave, '.player-screen .xterm-screen', '.player-scroll')).toMatchObject({ inContainer: true });
    const fit = await boxInside(dave, '.player-screen .xterm-screen', '.player-scroll');
    expect(fit.height, `${name}: the recorded screen is taller than the window`).toBeLessThanOrEqual(viewport.height);
    await screenshot(dave, `replay-fit-${name}`);
    await expectAccessible(dave, `replay at ${name} size`);

    // A match found by search is on screen, not under an inner scrollbar.
    await dave.getByLabel('Find text in the output').fill('BOTTOM-ROW-MARK');
    await dave.getByRole('button', { name: 'Find', exact: true }).click();
    await expect(dave.getByTestId('search-status')).toHaveText(/^Match 1 of 2/);
    await dave.getByRole('button', { name: 'Next match' }).click();
    await expect(dave.getByTestId('search-status')).toHaveText(/^Match 2 of 2/);
    const row = terminalText(dave).locator('div', { hasText: /^BOTTOM-ROW-MARK\s*$/ });
    await expect(row).toBeInViewport();

    await dave.getByTestId('fullscreen').click();
    await expect.poll(() => dave.evaluate(() => document.fullscreenElement?.getAttribute('data-testid'))).toBe('player');
    await expect.poll(() => boxInside(dave, '.player-screen .xterm-screen', '.player-scroll')).toMatchObject({ inWindow: true, inContainer: true });
    await screenshot(dave, `replay-fullscreen-${name}`);
    await dave.getByTestId('fullscreen').click();
    await expect.poll(() => dave.evaluate(() => document.fullscreenElement)).toBeNull();
  }
});
