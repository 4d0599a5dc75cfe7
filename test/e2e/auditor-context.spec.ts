// Item 9 of issue 14: the auditor's context. The replay shows the reason,
// ticket, approvers and a link to the request, and marks each command entered;
// the audit list is newest first, filters by actor, subject and time, links its
// subjects, shows readable details and exports CSV and JSON.
import { expect, screenshot, test, typeInTerminal } from './fixtures';
import { expectAccessible, liveSession, sizes } from './workbench';

test('an auditor sees why a session happened, its commands, and a usable audit trail', async ({ as }) => {
  const alice = await as('alice');
  const bob = await as('bob');
  const sessionId = await liveSession(alice, bob);
  await typeInTerminal(alice, 'systemctl restart nginx || echo restarted\n');
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [name, viewport] of sizes) {
    const dave = await as('dave', { viewport });
    await dave.goto(`/sessions/${sessionId}`);
    const context = dave.getByTestId('replay-context');
    await expect(context).toContainText('Disk fills up; need to look');
    await expect(context).toContainText('bob');
    await expect(context.getByRole('link', { name: /alice's request for staging-web-1/ })).toHaveAttribute('href', /^\/requests\/[0-9a-f-]{36}$/);
    const markers = dave.getByTestId('markers');
    await expect(markers.getByRole('button', { name: /systemctl restart nginx \|\| echo restarted/ })).toBeVisible();
    await expect(markers.getByRole('button', { name: /^0:\d\d exit$/ })).toBeVisible();
    await expect(markers).not.toContainText('Resize to');
    await screenshot(dave, `replay-context-${name}`);
    await expectAccessible(dave, `replay with context at ${name} size`);

    await dave.goto('/audit');
    const events = dave.getByRole('table', { name: 'Audit events' });
    const ids = await events.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-event-id'))));
    expect(ids, 'newest first').toEqual([...ids].sort((a, b) => b - a));
    await dave.getByLabel('Actor (username)').fill('alice');
    await dave.getByLabel('Subject id').fill(sessionId);
    await dave.getByRole('button', { name: 'Apply' }).click();
    await expect(events.locator('tbody tr')).toHaveCount(1);
    const row = events.locator('tbody tr').first();
    await expect(row).toContainText('session.started');
    await expect(row.getByRole('link', { name: `session ${sessionId}` })).toHaveAttribute('href', `/sessions/${sessionId}`);
    await expect(row.locator('dl.details')).toContainText('host');
    await expect(row).not.toContainText('{"');
    // A time window that ended before the session: nothing.
    await dave.getByLabel('To', { exact: true }).fill('2020-01-01T00:00');
    await dave.getByRole('button', { name: 'Apply' }).click();
    await expect(dave.getByText('No audit events here.')).toBeVisible();
    await dave.getByLabel('To', { exact: true }).fill('');
    await dave.getByRole('button', { name: 'Apply' }).click();
    await expect(events.locator('tbody tr')).toHaveCount(1);
    await screenshot(dave, `audit-filtered-${name}`);
    await expectAccessible(dave, `audit filtered at ${name} size`);

    const csv = await dave.request.get(String(await dave.getByRole('link', { name: 'CSV' }).getAttribute('href')));
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,at,type,actor,actor_id,subject_type,subject_id,data,prev_hash,hash');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('session.started');
    const json = await dave.request.get(String(await dave.getByRole('link', { name: 'JSON' }).getAttribute('href')));
    expect(((await json.json()) as { subjectId: string }[]).map((e) => e.subjectId)).toEqual([sessionId]);
  }
});
