// The host key learnt through the host CA (issue 13) on the fleet page, where
// an operator looks before trusting a replaced host. Recording a key needs a
// replaced, CA-signed sshd (test/replacement/host-key.test.ts does that and
// checks the API): here the broker's real host list is answered with one
// host's recorded key filled in, to check the page shows it at both sizes.
import { expect, screenshot, test } from './fixtures';
import { expectAccessible, sizes } from './workbench';

const KEY = 'SHA256:q1v0pZ9mO3n0dY5zE2l7sXbKc8uWfGhTjRkLmNoPqRs';

test("the fleet page shows a host's recorded key, and that the host CA vouched for it", async ({ as }) => {
  for (const [name, viewport] of sizes) {
    const dave = await as('dave', { viewport });
    await dave.route('**/api/hosts', async (route) => {
      const res = await route.fetch();
      const hosts = (await res.json()) as { name: string; hostKey: unknown }[];
      for (const h of hosts) if (h.name === 'staging-web-1') h.hostKey = { fingerprint: KEY, recordedAt: '2026-11-26T21:14:00.000Z' };
      await route.fulfill({ response: res, json: hosts });
    });
    await dave.goto('/fleet');
    const row = dave.locator('tr[data-host="staging-web-1"]');
    await expect(row.getByTestId('host-key')).toContainText(`key ${KEY} recorded`);
    await expect(row.getByTestId('host-key')).toContainText('vouched by host CA');
    await expect(dave.locator('tr[data-host="prod-web-1"]').getByTestId('host-key')).toHaveCount(0);
    await screenshot(dave, `host-key-fleet-${name}`);
    await expectAccessible(dave, `the fleet with a recorded host key (${name})`);
  }
});
