import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkHash } from '../../src/recording/recording-fns.js';
import { asSuperuser } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

test('a time range of a recording holds the header and exactly the events inside it', async (t) => {
  const h = await startHarness(t);
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');

  // Events far later than the real ones, with the chain continued, so the ranges are exact.
  const last = await h.prisma.recordingChunk.findFirstOrThrow({ where: { sessionId }, orderBy: { seq: 'desc' } });
  let prev: Buffer = Buffer.from(last.hash);
  for (const [i, atMs] of [100_000, 100_500, 200_000].entries()) {
    const seq = last.seq + 1 + i;
    const data = Buffer.from(`late-${atMs}`);
    prev = chunkHash(prev, seq, atMs, 'o', data);
    // A fixture added after the session's end, which brokers are refused: written as the superuser, past the guard.
    const hash = prev;
    await asSuperuser(h.broker.databaseUrl, async (c) => {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query('INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash) VALUES ($1, $2, $3, $4, $5, $6)', [
        sessionId,
        seq,
        atMs,
        'o',
        data,
        hash,
      ]);
      await c.query('COMMIT');
    });
  }

  const range = await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording?from=100&to=150`);
  assert.equal(range.status, 200);
  const [header, ...events] = (range.body as string)
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(header.version, 2);
  assert.deepEqual(events, [
    [100, 'o', 'late-100000'],
    [100.5, 'o', 'late-100500'],
  ]);

  const open = await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording?from=150`);
  assert.deepEqual(
    (open.body as string)
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l)),
    [[200, 'o', 'late-200000']],
  );

  const empty = await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording?from=300&to=400`);
  assert.equal(empty.body.version, 2, 'only the header: the body is one JSON object');

  const bad = await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording?from=-1`);
  assert.equal(bad.status, 400);
  assert.equal((await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording/verify`)).body.ok, true);
});
