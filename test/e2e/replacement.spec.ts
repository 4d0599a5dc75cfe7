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
  await requestCard(bob, 'alice', 'staging-web-1')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await expect(alice.getByTestId('request-status')).toHaveText('approved');
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  const sessionId = alice.url().split('/').at(-2)!;
  await typeInTerminal(alice, 'echo workers=16 > etc/app.conf; printf "debug build\\n" > NOTES.txt; rm etc/motd; exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
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

  // The drift page's record: the replacement counted, per environment and provider.
  await admin.getByRole('link', { name: 'Drift' }).click();
  await expect(admin.locator('tr[data-record="7:staging:local-image"]')).toContainText('1 of 1');
  await expect(admin.locator('tr[data-record="7:staging:local-image"]')).toContainText('100 %');
  await screenshot(admin, 'drift-record');
});

test('the fleet leads with its exceptions, and a roll-out shows its progress while a session holds a host', async ({ as }) => {
  const admin = await as('admin', { viewport: DESKTOP });
  // A new image version to roll to (same files: the point is the version), created as the page would.
  const created = await admin.evaluate(
    async () =>
      (
        await fetch('/api/images', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'web-base-next', version: '2026.12.1', source: 'images/web-base-2026.11.1' }),
        })
      ).status,
  );
  expect(created).toBe(201);

  // Alice holds staging-web-2 with an open shell: the roll-out must wait for it.
  const alice = await as('alice');
  const bob = await as('bob');
  await requestAccess(alice, { host: 'staging-web-2', reason: 'Looking at a stuck worker.', minutes: 15 });
  await requestCard(bob, 'alice', 'staging-web-2')
    .getByRole('button', { name: /^Approve/ })
    .click();
  await expect(alice.getByTestId('request-status')).toHaveText('approved');
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');

  await admin.getByRole('link', { name: 'Fleet' }).click();
  await admin.getByText('Start a roll-out').click();
  const form = admin.getByRole('form', { name: 'Start a roll-out' });
  await form.getByLabel('Environment').selectOption('staging');
  await form.getByLabel('From image').selectOption({ label: 'web-base 2026.11.1' });
  await form.getByLabel('To image').selectOption({ label: 'web-base-next 2026.12.1' });
  await form.getByLabel('Hosts at a time').fill('2');
  await form.getByRole('button', { name: 'Start roll-out' }).click();
  await expect(admin.getByText('Roll-out of staging started: 2 host(s) to move.')).toBeVisible();
  const progress = admin.locator('li.rollout[data-status="running"]').getByTestId('rollout-progress');
  await expect(progress).toHaveText('1 of 2 replaced, 1 waiting for open sessions to end.');

  // The exceptions lead the page: the held host and the database host are off staging's new target.
  const held = admin.locator('tr[data-exception="staging-web-2"]');
  await expect(held.locator('li[data-reason="off_target"]')).toContainText('the target of staging is 2026.12.1');
  await expect(held.locator('li[data-reason="touched"]')).toBeVisible();
  await expect(admin.locator('tr[data-exception="staging-db-1"] li[data-reason="off_target"]')).toBeVisible();
  await expect(admin.getByTestId('exceptions-staging')).toHaveText('2 of 3 hosts are exceptions');
  await screenshot(admin, 'fleet-rollout-desktop');

  const phone = await as('admin', { viewport: PHONE });
  await phone.getByRole('link', { name: 'Fleet' }).click();
  await expect(phone.locator('li.rollout[data-status="running"]').getByTestId('rollout-progress')).toHaveText(
    '1 of 2 replaced, 1 waiting for open sessions to end.',
  );
  await expect(phone.locator('tr[data-exception="staging-web-2"]')).toBeVisible();
  await screenshot(phone, 'fleet-rollout-phone');
});
