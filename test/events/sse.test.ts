import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, type Harness } from '../helpers/harness.js';

/** An event stream read frame by frame (`fetch` body), closed when the test ends. */
async function stream(h: Harness, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${h.url}/api/events`, { headers: { authorization: `Bearer ${await h.token('bob')}`, ...headers }, signal: controller.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    async next(): Promise<{ id?: string; event?: string; data?: string }> {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (block.startsWith(':')) continue;
          return Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffered += value;
      }
    },
    close: () => controller.abort(),
  };
}

async function makeRequest(h: Harness): Promise<string> {
  const r = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'sse', durationMinutes: 15 });
  return r.body.id;
}

test('server-sent events carry ids, and a reconnect with Last-Event-ID gets what it missed', async (t) => {
  const h = await startHarness(t);
  const first = await stream(h);
  t.after(first.close);
  const id1 = await makeRequest(h);
  const e1 = await first.next();
  assert.equal(e1.event, 'change');
  assert.deepEqual(JSON.parse(e1.data!), { kind: 'request', id: id1 });
  assert.match(e1.id!, /^[0-9a-f]{8}-\d+$/);
  first.close();

  const id2 = await makeRequest(h);
  // The missed change must be in the log before we reconnect: wait for a live listener to see it.
  const witness = await stream(h);
  t.after(witness.close);
  const id3 = await makeRequest(h);
  assert.deepEqual(JSON.parse((await witness.next()).data!).id, id3);

  const resumed = await stream(h, { 'last-event-id': e1.id! });
  t.after(resumed.close);
  const missed = [await resumed.next(), await resumed.next()].map((e) => JSON.parse(e.data!).id);
  assert.deepEqual(missed, [id2, id3]);

  const unknown = await stream(h, { 'last-event-id': 'deadbeef-1' });
  t.after(unknown.close);
  assert.equal((await unknown.next()).event, 'reset');
});
