// Items 2 and 8 of issue 14: a watcher sees the shell at the session's own
// size (scaled to its window, following resizes; on a phone no smaller than
// readable, scrolling sideways instead), reaches it from the fleet, can revoke
// from the watch bar, and the requester is told who is watching.
import type { Page } from '@playwright/test';
import { expect, screenshot, terminalText, test, typeInTerminal } from './fixtures';
import { desktop, expectAccessible, liveSession, phone } from './workbench';

const rowCount = (page: Page) => page.locator('.xterm-rows > div').count();

/** How the watched terminal is drawn: its rows' font size, and whether its box (not the page) scrolls sideways. */
const drawn = (page: Page) =>
  page.evaluate(() => {
    const box = document.querySelector<HTMLElement>('.screen')!;
    return {
      fontSize: Number.parseFloat(getComputedStyle(document.querySelector('.xterm-rows')!).fontSize),
      boxScrollsSideways: box.scrollWidth > box.clientWidth,
      pageScrollsSideways: document.documentElement.scrollWidth > window.innerWidth,
    };
  });

/** A session wider than the phone: drawn at a readable size, its box scrolling sideways and the page not. */
async function expectReadableOnPhone(page: Page): Promise<void> {
  await expect.poll(() => drawn(page)).toMatchObject({ boxScrollsSideways: true, pageScrollsSideways: false });
  expect((await drawn(page)).fontSize, 'font size of the xterm rows, in px').toBeGreaterThanOrEqual(11);
}

test('an approver on a phone watches a wide session ungarbled, and revokes it from the watch bar', async ({ as }) => {
  const alice = await as('alice', { viewport: desktop });
  const bob = await as('bob', { viewport: phone });
  await liveSession(alice, bob);
  await typeInTerminal(alice, "printf 'W%.0s' $(seq 1 150); echo\n");

  // The fleet says who is on the host and links to the live session.
  await bob.goto('/fleet');
  const row = bob.locator('tr[data-host="staging-web-1"]');
  await expect(row.getByTestId('in-use')).toContainText('by alice');
  await row.getByRole('link', { name: 'Watch: alice on staging-web-1' }).click();
  await expect(bob.getByTestId('connection')).toHaveText('Connected');

  // 150 columns on one row, as in alice's shell, not wrapped at the phone's width.
  await expect(terminalText(bob).locator('div', { hasText: /^W{150}\s*$/ })).toHaveCount(1);
  await expect.poll(() => rowCount(bob)).toBe(await rowCount(alice));
  await expectReadableOnPhone(bob);
  await expect(alice.getByTestId('watchers')).toHaveText('Watched by bob');
  await screenshot(bob, 'watch-phone');
  await bob.locator('.screen').evaluate((box) => box.scrollTo({ left: box.scrollWidth }));
  await screenshot(bob, 'watch-phone-scrolled');
  await screenshot(alice, 'watched-desktop');
  await expectAccessible(bob, 'watching on a phone');
  await expectAccessible(alice, 'terminal being watched');

  // alice's window shrinks: the watcher follows the session's new size.
  await alice.setViewportSize({ width: 900, height: 600 });
  const rowsNow = async () => rowCount(alice);
  await expect.poll(async () => (await rowCount(bob)) === (await rowsNow()) && (await rowsNow()) < 40).toBe(true);
  await expectReadableOnPhone(bob);

  await bob.getByRole('button', { name: 'Revoke access' }).click();
  await expect(bob.getByRole('alert').filter({ hasText: "Revoke alice's access to staging-web-1?" })).toBeVisible();
  await bob.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(alice.getByTestId('end-reason')).toHaveAttribute('data-reason', 'revoked');
  await expect(bob.getByTestId('end-reason')).toHaveAttribute('data-reason', 'revoked');
  await screenshot(bob, 'watch-revoked-phone');
});

test('a watcher at desktop size sees a phone-sized session at its size, and the requester sees them leave', async ({ as }) => {
  const alice = await as('alice', { viewport: phone });
  const bob = await as('bob', { viewport: desktop });
  const sessionId = await liveSession(alice, bob);
  const dave = await as('dave', { viewport: desktop });
  await dave.goto(`/sessions/${sessionId}/terminal`);
  await expect(dave.getByTestId('connection')).toHaveText('Connected');
  await expect(alice.getByTestId('watchers')).toHaveText('Watched by dave');
  await typeInTerminal(alice, 'echo phone-sized\n');
  await expect(terminalText(dave)).toContainText('phone-sized');
  await expect.poll(() => rowCount(dave)).toBe(await rowCount(alice));
  await screenshot(dave, 'watch-desktop');
  await screenshot(alice, 'watched-phone');
  await expectAccessible(alice, 'terminal on a phone, watched');
  await dave.goto('/sessions');
  await expect(alice.getByTestId('watchers')).toHaveText('');
});
