// The one test context every spec shares: a fresh broker per test, users that
// log in through the page in their own browser context, console errors that
// fail the test, and screenshots under test-results/screenshots/.
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { startBroker } from '../helpers/broker';

export { expect };

export interface Broker {
  url: string;
  stop(): Promise<void>;
}

type Fixtures = {
  brokerEnv: Record<string, string>;
  broker: Broker;
  as: As;
};

/** Opens a new browser context for `username` (password "demo"), logged in. */
export type As = (username: string, opts?: { viewport?: { width: number; height: number }; expect401?: boolean }) => Promise<Page>;

export const test = base.extend<Fixtures>({
  brokerEnv: [{}, { option: true }],
  broker: async ({ brokerEnv }, use) => {
    const broker = await startBroker({ env: brokerEnv });
    try {
      await use(broker);
    } finally {
      await broker.stop();
    }
  },
  as: async ({ browser, broker }, use, testInfo) => {
    const problems: string[] = [];
    const contexts: Awaited<ReturnType<Browser['newContext']>>[] = [];
    await use(async (username, opts = {}) => {
      const context = await browser.newContext({ baseURL: broker.url, viewport: opts.viewport ?? { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      watchForErrors(page, username, problems, opts.expect401 ?? false);
      await logIn(page, username);
      return page;
    });
    for (const context of contexts) await context.close();
    expect(problems, `browser console errors in "${testInfo.title}"`).toEqual([]);
  },
});

/** Console errors and uncaught exceptions fail the test; alert() from injected markup too. */
function watchForErrors(page: Page, who: string, problems: string[], expect401: boolean): void {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The app asks /api/me before anyone has logged in: that 401 is the expected answer.
    if (/status of 401/.test(msg.text()) && (expect401 || msg.location().url.endsWith('/api/me'))) return;
    problems.push(`[${who}] console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`[${who}] page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`[${who}] unexpected dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
}

export async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'breakglass' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('username')).toHaveText(username);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** Alice's request through the form; returns the request page's id. */
export async function requestAccess(page: Page, opts: { host: string; reason: string; ticket?: string; minutes?: number }): Promise<string> {
  await page.getByRole('link', { name: 'Request access', exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Request access' })).toBeVisible();
  const host = page.getByLabel('Host');
  await host.selectOption((await host.locator('option', { hasText: `${opts.host} (` }).getAttribute('value'))!);
  await page.getByLabel('Reason').fill(opts.reason);
  if (opts.ticket) await page.getByLabel('Incident or ticket (optional)').fill(opts.ticket);
  if (opts.minutes !== undefined) await page.getByLabel('Duration in minutes').fill(String(opts.minutes));
  await page.getByRole('button', { name: 'Request access' }).click();
  await expect(page).toHaveURL(/\/requests\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('request-status')).toHaveText('pending');
  return page.url().split('/').pop()!;
}

/** An approver decides on the request card of `requester` for `host` on the approvals page. */
export function requestCard(page: Page, requester: string, host: string) {
  return page.getByRole('article', { name: `${requester} requests ${host}` });
}

/** Whatever xterm.js currently shows (the DOM renderer keeps the rows as text). */
export function terminalText(page: Page) {
  return page.locator('.xterm-rows');
}

export async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(text);
}
