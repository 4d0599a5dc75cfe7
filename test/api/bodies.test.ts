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
