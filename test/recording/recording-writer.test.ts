import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import type { ChunkRow } from '../../src/recording/recording-fns.js';
import { RecordingWriter, type RecordingSink } from '../../src/recording/recording-writer.js';

/** A pool whose every INSERT waits until the test lets it commit (or fail). */
function gatedPool() {
  const pending: { sessions: string[]; done: (err?: Error) => void }[] = [];
  const pool = {
    query(cfg: pg.QueryConfig) {
      return new Promise<void>((resolve, reject) => {
        const sessions = (cfg.values ?? []).filter((_v, i) => i % 6 === 0) as string[];
        pending.push({ sessions, done: (err) => (err ? reject(err) : resolve()) });
      });
    },
  } as unknown as pg.Pool;
  return { pool, pending };
}

function sink(id: string) {
  let seq = 0;
  let queued = 0;
  const log: string[] = [];
  const s: RecordingSink & { push(bytes?: number): void; log: string[] } = {
    log,
    get uncommittedBytes() {
      return queued;
    },
    push(bytes = 1) {
      queued += bytes;
    },
    takeRows(): ChunkRow[] {
      const rows = queued ? [{ sessionId: id, seq: seq++, atMs: 0, kind: 'o' as const, data: Buffer.alloc(queued, 'x'), hash: Buffer.alloc(32) }] : [];
      queued = 0;
      return rows;
    },
    committed: (rows) => log.push(`committed ${rows.map((r) => r.seq).join(',')}`),
    failed: (err) => log.push(`failed ${err.message}`),
  };
  return s;
}

const tick = () => new Promise((r) => setImmediate(r));

test('a keystroke commits beside a large batch of another session, and a session is never in two batches at once', async () => {
  const { pool, pending } = gatedPool();
  const writer = new RecordingWriter(pool);
  const busy = sink('busy');
  const typing = sink('typing');

  busy.push();
  writer.markDirty(busy);
  busy.push();
  writer.markDirty(busy); // waits: busy already has a batch in flight
  typing.push();
  writer.markDirty(typing);
  await tick();
  assert.deepEqual(pending.map((p) => p.sessions), [['busy'], ['typing']]);

  pending[1]!.done();
  await tick();
  assert.deepEqual(typing.log, ['committed 0'], 'the keystroke did not wait for the other batch');
  assert.deepEqual(busy.log, []);

  pending[0]!.done();
  await tick();
  assert.deepEqual(busy.log, ['committed 0']);
  assert.deepEqual(pending[2]!.sessions, ['busy'], 'the second part of busy goes only after the first committed');
  pending[2]!.done(new Error('disk full'));
  await writer.idle();
  assert.deepEqual(busy.log, ['committed 0', 'failed disk full']);
});

test('with the bulk lanes busy, a keystroke still commits at once and bulk output waits for a bulk lane', async () => {
  const { pool, pending } = gatedPool();
  const writer = new RecordingWriter(pool);
  const [a, b, c, typing] = [sink('a'), sink('b'), sink('c'), sink('typing')];
  for (const s of [a, b, c]) {
    s.push(2000);
    writer.markDirty(s);
  }
  typing.push();
  writer.markDirty(typing);
  await tick();
  assert.deepEqual(pending.map((p) => p.sessions), [['a'], ['b'], ['typing']], 'c (2,000 bytes) is not small');
  pending[2]!.done();
  pending[0]!.done();
  await tick();
  assert.deepEqual(typing.log, ['committed 0']);
  assert.deepEqual(pending[3]!.sessions, ['c']);
  pending[1]!.done();
  pending[3]!.done();
  await writer.idle();
});
