// The whole story: request, two approvals for production, a recorded shell,
// the replay found by searching its output, and the host replaced afterwards.
import { expect, requestCard, screenshot, terminalText, test, typeInTerminal } from './fixtures';

test('a production break-glass session from request to replacement', async ({ as }) => {
  const token = `breakglass-e2e-${Math.floor(Math.random() * 1e9)}`;
  const alice = await as('alice');
  const bob = await as('bob');
  const carol = await as('carol');

  // Approvers keep the queue open: the request must appear without a reload.
  await expect(bob.getByRole('heading', { name: 'Approvals' })).toBeVisible();
  await expect(bob.getByText('Nothing to approve')).toBeVisible();
  await carol.getByRole('link', { name: 'Approvals' }).click();

  // Alice finds a healthy production host in the fleet and asks for it.
  await alice.getByRole('link', { name: 'Fleet' }).click();
  await alice.getByLabel('Environment').selectOption('production');
  await alice.getByLabel('State').selectOption('healthy');
  const host = (await alice.locator('tr[data-host]').first().getAttribute('data-host'))!;
  expect(host).toMatch(/^prod-/);
  await screenshot(alice, 'fleet');
  await alice.getByRole('link', { name: `Request access to ${host}` }).click();
  await expect(alice.getByLabel('Host')).toHaveValue(/.+/);
  await expect(alice.getByText(/^Between \d+ and \d+ minutes; production hosts need 2 approvals\.$/)).toBeVisible();
  await alice.getByLabel('Reason').fill('Payments API returns 502; need to read the nginx error log on the box.');
  await alice.getByLabel('Incident or ticket (optional)').fill('INC-4711');
  await alice.getByLabel('Duration in minutes').fill('15');
  await screenshot(alice, 'request-form');
  await alice.getByRole('button', { name: 'Request access' }).click();
  await expect(alice.getByTestId('request-status')).toHaveText('pending');
  await expect(alice.getByTestId('approval-count')).toHaveText('0 of 2');
  await screenshot(alice, 'request-pending');

  // Bob approves; alice's page follows live.
  const bobCard = requestCard(bob, 'alice', host);
  await expect(bobCard).toBeVisible();
  await expect(bobCard).toContainText('INC-4711');
  await expect(bobCard).toContainText('15 min');
  await screenshot(bob, 'approvals-queue');
  await bobCard.getByLabel('Comment').fill('Go ahead, read-only please.');
  await bobCard.getByRole('button', { name: /^Approve/ }).click();
  await expect(alice.getByTestId('approval-count')).toHaveText('1 of 2');
  await expect(alice.getByTestId('request-status')).toHaveText('pending');

  // Carol's approval is the second one: the grant opens.
  const carolCard = requestCard(carol, 'alice', host);
  await expect(carolCard).toContainText('1 of 2');
  await carolCard.getByRole('button', { name: /^Approve/ }).click();
  await expect(carolCard).toBeHidden();
  await expect(alice.getByTestId('request-status')).toHaveText('approved');
  await expect(alice.getByText(/left\.$/)).toBeVisible();
  await screenshot(alice, 'request-approved');

  // The shell.
  await alice.getByRole('button', { name: 'Open terminal' }).click();
  await expect(alice).toHaveURL(/\/sessions\/[0-9a-f-]{36}\/terminal$/);
  await expect(alice.getByRole('heading', { name: host })).toBeVisible();
  await expect(alice.getByTestId('connection')).toHaveText('Connected');
  await expect(alice.getByTestId('time-left')).toHaveText(/^1[45]:\d\d$/);
  await typeInTerminal(alice, `echo ${token}\n`);
  await expect(terminalText(alice)).toContainText(`echo ${token}`);
  await expect(terminalText(alice).locator('div', { hasText: new RegExp(`^${token}\\s*$`) })).toHaveCount(1);
  await screenshot(alice, 'terminal');
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toHaveText('You left the shell; the session is over.');
  const replayLink = alice.getByRole('link', { name: 'Replay the recording' });
  await expect(replayLink).toBeVisible();
  await screenshot(alice, 'terminal-ended');
  const sessionId = (await replayLink.getAttribute('href'))!.split('/').pop()!;

  // Dave, the auditor, finds the session and lands on the token in the replay.
  const dave = await as('dave');
  await expect(dave.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await dave.getByLabel('User').fill('alice');
  await dave.getByRole('button', { name: 'Apply' }).click();
  const row = dave.locator(`tr[data-session-id="${sessionId}"]`);
  await expect(row).toContainText(host);
  await expect(row).toContainText('exit');
  await dave.getByLabel('Result').selectOption('exit');
  const today = new Date();
  await dave.getByLabel('Date').fill(`${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`);
  await dave.getByRole('button', { name: 'Apply' }).click();
  await expect(row).toBeVisible();
  await dave.getByLabel('Result').selectOption('revoked');
  await expect(row).toBeHidden();
  await dave.getByLabel('Result').selectOption('exit');
  await screenshot(dave, 'sessions');
  await row.getByRole('link', { name: /^Replay/ }).click();
  await expect(dave.getByRole('heading', { name: `Replay: alice on ${host}` })).toBeVisible();
  await expect(terminalText(dave)).not.toContainText(token);
  await dave.getByLabel('Find text in the output').fill(token);
  await dave.getByRole('button', { name: 'Find' }).click();
  await expect(dave.getByTestId('search-status')).toHaveText(/^Match 1 of \d+, at \d+:\d\d\.$/);
  await expect(terminalText(dave)).toContainText(token);
  await screenshot(dave, 'replay-search');
  await dave.getByRole('button', { name: /\d+:\d\d End/ }).click();
  await expect(terminalText(dave)).toContainText('exit');
  await dave.getByRole('button', { name: /0:00 Start/ }).click();
  await expect(terminalText(dave)).not.toContainText(token);
  await dave.getByLabel('Speed').selectOption('8');
  await dave.getByRole('button', { name: 'Play' }).click();
  await expect(terminalText(dave)).toContainText(token);
  await expect(dave.getByRole('button', { name: 'Play' })).toBeVisible();
  const [shown, total] = (await dave.getByTestId('player-time').textContent())!.split(' / ');
  expect(shown).toBe(total);
  await expect(dave.getByRole('link', { name: 'Download .cast' })).toHaveAttribute('href', `/api/sessions/${sessionId}/recording`);

  // The host the shell touched is replaced by itself.
  const admin = await as('admin');
  await admin.getByRole('link', { name: 'Drift' }).click();
  await expect(admin.locator(`#main tr[data-host="${host}"][data-status="succeeded"]`)).toBeVisible({ timeout: 30_000 });
  await expect(admin.getByRole('table', { name: 'Drifted hosts' }).locator(`tr[data-host="${host}"]`)).toHaveCount(0);
  await screenshot(admin, 'drift');
  await admin.getByRole('link', { name: 'Fleet' }).click();
  await expect(admin.locator(`tr[data-host="${host}"]`)).toContainText('healthy');
});
