// A command host's own capture step (issue 13): what its capture program
// printed before the teardown is the session's "what changed", read on the
// replay page at desktop and phone sizes. A webhook host's capture is what the
// operator's service sent back (played here by a real HTTP receiver answering
// the signed capture job with a signed callback): its summary as key/value
// lines, its items as a table.
import { createServer } from 'node:http';
import type { Locator, Page } from '@playwright/test';
import { sign } from '../../src/replacement/providers/webhook-fns';
import { type As, expect, screenshot, test, typeInTerminal } from './fixtures';
import { expectAccessible, liveSession, sizes } from './workbench';

/**
 * An admin adds the staging host `host`, replaced by `replacement`; alice opens a session on it (bob approves) and
 * exits; then dave opens its replay at each size, and `check` reads the region of what the session changed.
 */
async function replayOfEndedSession(
  as: As,
  host: string,
  replacement: Record<string, unknown>,
  check: (changes: Locator, dave: Page, size: string) => Promise<void>,
): Promise<void> {
  const admin = await as('admin');
  const created = await admin.evaluate(
    async ([name, replacement]) => {
      const images = (await (await fetch('/api/images')).json()) as { id: string; name: string }[];
      const res = await fetch('/api/hosts', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name,
          environment: 'staging',
          imageId: images.find((i) => i.name === 'web-base')!.id,
          connector: 'local',
          connectorConfig: { replacement },
        }),
      });
      return res.status;
    },
    [host, replacement] as const,
  );
  expect(created).toBe(201);

  const alice = await as('alice');
  const bob = await as('bob');
  const sessionId = await liveSession(alice, bob, host);
  await typeInTerminal(alice, 'exit\n');
  await expect(alice.getByTestId('end-reason')).toBeVisible();

  for (const [size, viewport] of sizes) {
    const dave = await as('dave', { viewport });
    await dave.goto(`/sessions/${sessionId}`);
    await check(dave.getByRole('region', { name: 'What this session changed' }), dave, size);
  }
}

test("a command host's capture output is shown as what the session changed", async ({ as }) => {
  const replacement = {
    provider: 'command',
    argv: ['/bin/true'],
    capture: { argv: ['/bin/sh', '-c', 'printf "%s\\n" "--- a/etc/app.conf" "+++ b/etc/app.conf" "-workers=4" "+workers=16"'] },
  };
  await replayOfEndedSession(as, 'staging-cmd-1', replacement, async (changes, dave, name) => {
    await expect(changes.getByTestId('capture-summary')).toContainText('/bin/sh exited with status 0');
    await expect(changes.locator('pre[data-stream="stdout"]')).toContainText('+workers=16');
    await changes.scrollIntoViewIfNeeded();
    await screenshot(dave, `capture-step-${name}`);
  });
});

test.describe('webhook capture', () => {
  const SECRET = 'webhook-secret-webhook-secret-0123456789';
  test.use({ brokerEnv: { BREAKGLASS_WEBHOOK_SECRET: SECRET, BREAKGLASS_PROVIDER_POLL_MS: '50' } });

  test("a webhook host's capture is laid out as key/value lines and a table of items", async ({ as, broker }) => {
    const evidence = {
      summary: { collector: 'ops-snapshotter 1.4', files: 2, window: { from: '21:02', to: '21:09' } },
      items: [
        { path: '/etc/app.conf', change: 'changed', sha256: '9f2c1e0b7a44d1', diff: '--- a/etc/app.conf\n+++ b/etc/app.conf\n-workers=4\n+workers=16\n' },
        { path: '/var/log/hotfix.log', change: 'added', size: 120 },
      ],
    };
    const reply = (callbackUrl: string, body: object) => {
      const text = JSON.stringify(body);
      return fetch(broker.url + new URL(callbackUrl).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sign(SECRET, text) },
        body: text,
      });
    };
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.writeHead(202).end();
      const job = JSON.parse(body) as { phase: string; jobId: string; callbackUrl: string };
      if (job.phase === 'capture') await reply(job.callbackUrl, { jobId: job.jobId, status: 'succeeded', capture: evidence });
      else await reply(job.callbackUrl, { jobId: job.jobId, status: 'succeeded', instanceId: 'vm-2' });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jobs`;
      await replayOfEndedSession(as, 'staging-hook-1', { provider: 'webhook', url, capture: true }, async (changes, dave, name) => {
        await expect(changes.getByTestId('capture-summary')).toContainText('The webhook sent 2 items of evidence for capture job');
        const facts = changes.getByTestId('webhook-summary');
        await expect(facts.locator('dd[data-key="collector"]')).toHaveText('ops-snapshotter 1.4');
        await expect(facts.locator('dd[data-key="files"]')).toHaveText('2');
        await expect(facts.locator('dd[data-key="window"]')).toHaveText('from: 21:02, to: 21:09');
        const table = changes.getByRole('table', { name: 'Evidence items the webhook sent' });
        const first = table.locator('tr[data-item="0"]');
        // The column headers (labels of the cards on a phone, where the header row is hidden).
        expect(await first.locator('td').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-label')))).toEqual([
          'path',
          'change',
          'diff',
          'sha256',
          'size',
        ]);
        await expect(first.getByRole('cell').first()).toHaveText('/etc/app.conf');
        await first.getByText('Show text (4 lines)').click();
        await expect(first.locator('pre')).toContainText('+workers=16');
        await expect(table.locator('tr[data-item="1"] td[data-label="size"]')).toHaveText('120');
        await expect(table.locator('tr[data-item="1"] td[data-label="diff"]')).toHaveText('—');
        expect(await dave.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scrolling (${name})`).toBe(true);
        await changes.scrollIntoViewIfNeeded();
        await screenshot(dave, `webhook-capture-${name}`);
        await expectAccessible(dave, `a webhook capture on the replay page (${name})`);
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
