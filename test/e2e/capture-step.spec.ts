// A command host's own capture step (issue 13): what its capture program
// printed before the teardown is the session's "what changed", read on the
// replay page at desktop and phone sizes.
import { expect, screenshot, test, typeInTerminal } from './fixtures';
import { liveSession, sizes } from './workbench';

test("a command host's capture output is shown as what the session changed", async ({ as }) => {
  const admin = await as('admin');
  const created = await admin.evaluate(async () => {
    const images = (await (await fetch('/api/images')).json()) as { id: string; name: string }[];
    const res = await fetch('/api/hosts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'staging-cmd-1',
        environment: 'staging',
        imageId: images.find((i) => i.name === 'web-base')!.id,
        connector: 'local',
        connectorConfig: {
          replacement: {
            provider: 'command',
            argv: ['/bin/true'],
            capture: { argv: ['/bin/sh', '-c', 'printf "%s\\n" "--- a/etc/app.conf" "+++ b/etc/app.conf" "-workers=4" "+workers=16"'] },
          },
        },
      }),
    });
    return res.status;
  });
  expect(created).toBe(201);

  const alice = await as('alice');
  const bob = await as('bob');
  const sessionId = await liveSession(alice, bob, 'staging-cmd-1');
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [name, viewport] of sizes) {
    const dave = await as('dave', { viewport });
    await dave.goto(`/sessions/${sessionId}`);
    const changes = dave.getByRole('region', { name: 'What this session changed' });
    await expect(changes.getByTestId('capture-summary')).toContainText('/bin/sh exited with status 0');
    await expect(changes.locator('pre[data-stream="stdout"]')).toContainText('+workers=16');
    await changes.scrollIntoViewIfNeeded();
    await screenshot(dave, `capture-step-${name}`);
  }
});
