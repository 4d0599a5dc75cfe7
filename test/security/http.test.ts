// HTTP hardening: cross-site cookie requests, free text that reads differently
// from what it is, what a requester's event stream shows, and
// authentication before the body.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('a cookie-authenticated change from a foreign origin or a cross-site page is refused', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t);
  const login = await fetch(`${h.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'demo' }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const body = JSON.stringify({ hostId: await h.hostId('staging-web-1'), reason: 'csrf', ticket: 'X', durationMinutes: 5 });
  const post = (headers: Record<string, string>) =>
    fetch(`${h.url}/api/requests`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body });
  for (const headers of <Record<string, string>[]>[
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site', origin: `${h.url}` },
  ]) {
    const res = await post(headers);
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.equal((await res.json()).error.code, 'cross_site');
  }
  assert.equal(
    (await fetch(`${h.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } })).status,
    403,
    'a foreign page cannot log the user out either',
  );
  assert.equal(await h.prisma.accessRequest.count({ where: { reason: 'csrf' } }), 0, 'nothing was created');
  assert.equal((await post({ origin: h.url, 'sec-fetch-site': 'same-origin' })).status, 201, "the broker's own pages still work");
});

test('approve and deny comments refuse control, bidi-override and invisible characters, like reasons', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('prod-web-1');
  for (const bad of ['ok\u202egnp.exe', 'zero\u200bwidth', 'bell\u0007', 'iso\u2066late', 'bom\ufeff']) {
    assert.equal((await h.api('alice', 'POST', '/api/requests', { hostId, reason: bad, durationMinutes: 5 })).status, 400);
  }
  const created = await h.api('alice', 'POST', '/api/requests', { hostId, reason: 'fine', durationMinutes: 5 });
  for (const bad of ['ok\u202egnp.exe', 'zero\u200bwidth', 'esc\u001b[2J']) {
    assert.equal((await h.api('bob', 'POST', `/api/requests/${created.body.id}/approve`, { comment: bad })).status, 400);
    assert.equal((await h.api('bob', 'POST', `/api/requests/${created.body.id}/deny`, { comment: bad })).status, 400);
  }
  assert.equal(await h.prisma.approval.count(), 0, 'no decision was recorded');
});

test('authentication is checked before the body: 401, not 400', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t);
  for (const [method, path, body] of [
    ['POST', '/api/requests', { nonsense: true }],
    ['POST', '/api/requests/not-a-uuid/approve', { x: 1 }],
    ['PUT', '/api/policies/staging', {}],
    ['POST', '/api/auth/logout', { x: 1 }],
  ] as const) {
    const res = await h.api(undefined, method, path, body);
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal(res.body.error.code, 'unauthorized');
  }
});

test("a requester's event stream shows only what they may read elsewhere", { timeout: 90_000 }, async (t) => {
  const h = await startHarness(t);
  const erinSession = await h.openSession(await h.grant('staging-db-1', 15, 'erin', ['bob']), 'erin');
  const controller = new AbortController();
  const res = await fetch(`${h.url}/api/events`, { headers: { authorization: `Bearer ${await h.token('alice')}` }, signal: controller.signal });
  const reader = res.body!.getReader();
  let seen = '';
  const aliceRequest = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  // alice's own request is announced to her; erin's session (opened before, ended now) is not.
  const term = await h.attach(erinSession, 'erin');
  term.send('exit\n');
  await term.waitForExit();
  const mine = await h.openSession(aliceRequest);
  while (!seen.includes(mine)) seen += new TextDecoder().decode((await reader.read()).value);
  // Closed here: the broker's shutdown waits for open streams.
  controller.abort();
  assert.ok(!seen.includes(erinSession), "erin's session is not in alice's stream");
  assert.ok(!seen.includes('"kind":"audit"'), 'no audit events for a requester');
});
