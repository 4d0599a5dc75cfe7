// Replacement as everyday practice, in the browser: what a session changed on
// its host, taken before the teardown, read from the replay page and the
// drift ledger at desktop and phone sizes.
import { expect, requestAccess, requestCard, screenshot, test, typeInTerminal } from './fixtures';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

test('a session\'s "what changed" view: the files it touched, before and after', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-web-1', reason: 'Hotfix the worker count during the incident.', ticket: 'INC-13', minutes: 15 });
  await requestCard(bob, 'alice', 'staging-web-1').getByRole('button', { name: /^Approve/ }).click();
  await expect(alice.getByTestId('request-status')).toHaveText('approved');
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  const sessionId = alice.url().split('/').at(-2)!;
  await typeInTerminal(alice, 'echo workers=16 > etc/app.conf; printf "debug build\\n" > NOTES.txt; rm etc/motd; exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    const dave = await as('dave', { viewport });
    await dave.goto(`/sessions/${sessionId}`);
    const changes = dave.getByRole('region', { name: 'What this session changed' });
    // The evidence appears once the replacement has taken it: the page follows replacement events.
    await expect(changes.getByTestId('capture-summary')).toContainText('1 changed');
    await expect(changes.locator('tr[data-path="etc/app.conf"][data-change="changed"]')).toBeVisible();
    await expect(changes.locator('tr[data-path="NOTES.txt"][data-change="added"]')).toBeVisible();
    await expect(changes.locator('tr[data-path="etc/motd"][data-change="removed"]')).toBeVisible();
    const conf = changes.locator('tr[data-path="etc/app.conf"]');
    await conf.getByText('Show text').click();
    await expect(conf.getByText('workers=16')).toBeVisible();
    await expect(conf.getByText('log_level=info')).toBeVisible();
    await changes.scrollIntoViewIfNeeded();
    await screenshot(dave, `changes-${name}`);
  }

  // The drift ledger's history links to the same evidence.
  const admin = await as('admin', { viewport: DESKTOP });
  await admin.getByRole('link', { name: 'Drift' }).click();
  await admin.locator('tr[data-host="staging-web-1"]').getByRole('link', { name: 'Changes' }).click();
  await expect(admin.getByRole('heading', { name: 'What changed' })).toBeVisible();
  await expect(admin.locator('tr[data-path="NOTES.txt"]')).toBeVisible();
  await screenshot(admin, 'capture-page');
});
