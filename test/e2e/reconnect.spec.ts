import type { WebSocketRoute } from '@playwright/test';
import { expect, requestAccess, requestCard, screenshot, terminalText, test, typeInTerminal } from './fixtures';

test('the terminal reconnects by itself after a short network drop', async ({ as }) => {
  const alice = await as('alice', { viewport: { width: 390, height: 844 } });
  const bob = await as('bob');
  // Every terminal websocket goes through this proxy, so the test can cut it.
  const routes: WebSocketRoute[] = [];
  await alice.routeWebSocket(/\/api\/sessions\/[^/]+\/terminal$/, (ws) => {
    routes.push(ws);
    ws.connectToServer();
  });
  await requestAccess(alice, { host: 'staging-web-1', reason: 'Flaky train wifi', minutes: 10 });
  await requestCard(bob, 'alice', 'staging-web-1')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(alice, 'echo before-drop\n');
  await expect(terminalText(alice)).toContainText('before-drop');
  await screenshot(alice, 'phone-terminal');

  const dropped = routes.at(-1)!;
  await dropped.close({ code: 4000, reason: 'network drop' });
  await expect.poll(() => routes.length).toBeGreaterThan(1);
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await typeInTerminal(alice, 'echo after-drop\n');
  await expect(terminalText(alice)).toContainText('after-drop');
  await expect(alice.getByTestId('end-reason')).toHaveCount(0);
});
