// Helpers of the workbench specs (issue 14): a live session in two steps, the
// two screen sizes every item is checked at, and axe-core on a page state.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, requestAccess, requestCard } from './fixtures';

export const desktop = { width: 1440, height: 900 };
export const phone = { width: 390, height: 844 };
export const sizes = [
  ['desktop', desktop],
  ['phone', phone],
] as const;

/** alice asks for `host`, bob approves (he is on his approvals page), alice opens the terminal; returns the session id. */
export async function liveSession(alice: Page, bob: Page, host = 'staging-web-1'): Promise<string> {
  await requestAccess(alice, { host, reason: 'Disk fills up; need to look', minutes: 10 });
  await requestCard(bob, 'alice', host)
    .getByRole('button', { name: /^Approve/ })
    .click();
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  return alice.url().split('/').at(-2)!;
}

/** No serious or critical WCAG 2 A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).exclude('.xterm-helper-textarea').analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
  expect(bad, `accessibility of ${state}`).toEqual([]);
}

/** Whether the box of `selector` lies wholly inside the window and inside `container`. */
export async function boxInside(
  page: Page,
  selector: string,
  container: string,
): Promise<{ inWindow: boolean; inContainer: boolean; width: number; height: number }> {
  return page.evaluate(
    ([sel, cont]) => {
      const a = document.querySelector(sel)!.getBoundingClientRect();
      const c = document.querySelector(cont)!.getBoundingClientRect();
      return {
        inWindow: a.left >= 0 && a.top >= 0 && a.right <= window.innerWidth + 0.5 && a.bottom <= window.innerHeight + 0.5,
        inContainer: a.left >= c.left - 0.5 && a.right <= c.right + 0.5 && a.top >= c.top - 0.5 && a.bottom <= c.bottom + 0.5,
        width: a.width,
        height: a.height,
      };
    },
    [selector, container] as const,
  );
}
