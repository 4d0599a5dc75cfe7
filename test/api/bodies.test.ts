import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('API bodies must be JSON: text/plain and form bodies are 415 and change nothing', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('staging-web-1');
  const before = await h.prisma.accessRequest.count();
  const body = JSON.stringify({ hostId, reason: 'plain', durationMinutes: 15 });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await h.api('alice', 'POST', '/api/requests', body, { 'content-type': type });
    assert.equal(res.status, 415, type);
    assert.equal(res.body.error.code, 'unsupported_media_type');
  }
  assert.equal(await h.prisma.accessRequest.count(), before);
});

test('a body that is not JSON and a URL the router refuses get the one error shape', async (t) => {
  const h = await startHarness(t);
  const token = await h.token('alice');
  const broken = await fetch(`${h.url}/api/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"hostId": ',
  });
  assert.equal(broken.status, 400);
  assert.equal(((await broken.json()) as { error: { code: string } }).error.code, 'bad_request');
  const long = await fetch(`${h.url}/api/requests/${'a'.repeat(600)}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(long.status, 400);
  const body = (await long.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'bad_request');
  assert.equal(typeof body.error.message, 'string');
});

test('a request may carry ticket: null, as the Request object documents', async (t) => {
  const h = await startHarness(t);
  const res = await h.api('alice', 'POST', '/api/requests', {
    hostId: await h.hostId('staging-web-1'),
    reason: 'no ticket yet',
    ticket: null,
    durationMinutes: 15,
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.ticket, null);
});
