import SwaggerParser from '@apidevtools/swagger-parser';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('the OpenAPI document is valid and describes errors, media types and summaries', async (t) => {
  const h = await startHarness(t);
  const doc = await (await fetch(`${h.url}/api/openapi.json`)).json();
  await SwaggerParser.validate(structuredClone(doc));
  assert.deepEqual(doc.servers, [{ url: '/', description: 'this broker' }]);
  const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, ops]) =>
    Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })),
  );
  assert.ok(operations.length > 25);
  for (const { key, op } of operations) {
    assert.ok(op.summary && !op.summary.startsWith(key.split(' ')[0]!), `${key} has a summary`);
    if (key.includes(' /api/'))
      assert.ok(op.responses['4XX']?.content?.['application/json']?.schema?.properties?.error, `${key} documents its 4xx error shape`);
  }
  assert.ok(doc.paths['/api/sessions/{id}/terminal'].get.responses['101'], 'the websocket upgrade is described');
  assert.ok(doc.paths['/api/sessions/{id}/recording'].get.responses['200'].content['application/x-asciicast']);
  assert.ok(doc.paths['/api/events'].get.responses['200'].content['text/event-stream']);
});

test('a response that breaks the document fails the test that receives it', async (t) => {
  const h = await startHarness(t);
  const { Contract } = await import('../helpers/contract.js');
  const contract = await Contract.fetch(h.url);
  assert.equal(contract.problem('GET', '/api/me', 200, 'application/json', { id: 'x', username: 'alice', roles: [] }), undefined);
  assert.match(contract.problem('GET', '/api/me', 200, 'application/json', { id: 1 }) ?? '', /does not match/);
  assert.match(contract.problem('GET', '/api/me', 204, 'application/json', {}) ?? '', /not documented/);
  assert.match(contract.problem('GET', '/api/requests', 400, 'application/json', { message: 'x' }) ?? '', /does not match/);
});
