// The replay page says whether a session's evidence verifies, from the same
// checks as `npm run verify`, and offers the bundle; a recording cut short by
// someone with the database password shows "does not verify".
import { asSuperuser } from '../helpers/database';
import { TerminalClient } from '../helpers/terminal-client';
import { expect, screenshot, test } from './fixtures';

async function finishedSession(url: string): Promise<string> {
  const token = async (username: string) => {
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'demo' }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  const call = async (who: string, method: string, path: string, body: unknown = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${await token(who)}`, 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as { id: string };
  };
  const hosts = (await (await fetch(`${url}/api/hosts`, { headers: { authorization: `Bearer ${await token('alice')}` } })).json()) as {
    id: string;
    name: string;
  }[];
  const request = await call('alice', 'POST', '/api/requests', {
    hostId: hosts.find((h) => h.name === 'staging-web-1')!.id,
    reason: 'evidence',
    durationMinutes: 15,
  });
  await call('bob', 'POST', `/api/requests/${request.id}/approve`);
  const session = await call('alice', 'POST', `/api/requests/${request.id}/sessions`, { cols: 80, rows: 24 });
  const term = await TerminalClient.connect(`${url.replace(/^http/, 'ws')}/api/sessions/${session.id}/terminal`, {
    authorization: `Bearer ${await token('alice')}`,
  });
  term.send('echo evidence-$((2*21)); exit\n');
  await term.waitForExit();
  return session.id;
}

test('the replay page shows the evidence verified, offers the bundle, and says when it does not verify', async ({ broker, as }) => {
  const id = await finishedSession(broker.url);
  const dave = await as('dave', { viewport: { width: 1440, height: 900 } });
  await dave.goto(`/sessions/${id}`);
  await expect(dave.getByTestId('evidence-verdict')).toHaveText('verified');
  await expect(dave.getByRole('link', { name: 'Download evidence bundle' })).toHaveAttribute('href', `/api/sessions/${id}/evidence`);
  await screenshot(dave, 'evidence-verified-1440');

  const phone = await as('dave', { viewport: { width: 390, height: 844 } });
  await phone.goto(`/sessions/${id}`);
  await expect(phone.getByTestId('evidence-verdict')).toHaveText('verified');
  await screenshot(phone, 'evidence-verified-390');

  await asSuperuser((broker as unknown as { databaseUrl: string }).databaseUrl, (c) =>
    c.query(`
    SET session_replication_role = replica;
    DELETE FROM recording_chunks WHERE session_id = '${id}' AND seq = (SELECT max(seq) FROM recording_chunks WHERE session_id = '${id}')`),
  );
  await dave.reload();
  await expect(dave.getByTestId('evidence-verdict')).toHaveText('does not verify');
  await expect(dave.getByTestId('evidence')).toContainText('chunks: the recording has');
  await screenshot(dave, 'evidence-broken-1440');

  const admin = await as('admin', { viewport: { width: 1440, height: 900 } });
  await admin.goto('/admin');
  await expect(admin.getByRole('heading', { name: 'Evidence signing key' })).toBeVisible();
  await expect(admin.getByLabel('Evidence signing public key')).toContainText('ssh-ed25519 ');

  const alice = await as('alice');
  await alice.goto(`/sessions/${id}`);
  await expect(alice.getByRole('button', { name: /Play/ })).toBeVisible();
  await expect(alice.getByTestId('evidence')).toHaveCount(0);
});
