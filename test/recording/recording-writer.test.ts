import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import type { ChunkRow } from '../../src/recording/recording-fns.js';
import { RecordingWriter, type RecordingSink } from '../../src/recording/recording-writer.js';

interface Commit {
  kind: 'sync' | 'async' | 'fence';
  sessions: string[];
  done: (err?: Error) => void;
}

/**
 * A pool whose every commit waits until the test lets it return (or fail):
 * a synchronous INSERT, an asynchronous transaction's COMMIT, or a fence.
 */
function gatedPool() {
  const commits: Commit[] = [];
  const gate = (kind: Commit['kind'], sessions: string[]) =>
    new Promise<void>((resolve, reject) => commits.push({ kind, sessions, done: (err) => (err ? reject(err) : resolve()) }));
  const sessionsOf = (cfg: pg.QueryConfig) => (cfg.values ?? []).filter((_v, i) => i % 6 === 0) as string[];
  const pool = {
    async query(cfg: pg.QueryConfig | string) {
      const text = typeof cfg === 'string' ? cfg : cfg.text;
      if (text.includes('recording_fences')) return gate('fence', []);
      if (typeof cfg === 'string') return { rows: [{ synchronous_commit: 'on' }] };
      return gate('sync', sessionsOf(cfg));
    },
    async connect() {
      let sessions: string[] = [];
      let asynchronous = false;
      return {
        async query(cfg: pg.QueryConfig | string) {
          if (typeof cfg !== 'string') sessions = sessionsOf(cfg);
          else if (cfg.includes('synchronous_commit = off')) asynchronous = true;
          else if (cfg === 'COMMIT') return gate(asynchronous ? 'async' : 'sync', sessions);
        },
        release() {},
        on() {},
      };
    },
  } as unknown as pg.Pool;
  const tick = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  /** Waits until a commit of that kind is waiting at the gate (the fence comes after a short timer). */
  const next = async (kind: Commit['kind']) => {
    for (;;) {
      const c = commits.find((x) => x.kind === kind);
      if (c) {
        commits.splice(commits.indexOf(c), 1);
        return c;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  return { pool, commits, tick, next };
}

function sink(id: string, interactive = true) {
  let seq = 0;
  let queued = 0;
  let inFlight = 0;
  const log: string[] = [];
  const s: RecordingSink & { push(bytes?: number): void; log: string[] } = {
    log,
    interactive,
    get uncommittedBytes() {
      return queued + inFlight;
    },
    push(bytes = 1) {
      queued += bytes;
    },
    takeRows(): ChunkRow[] {
      const rows = queued ? [{ sessionId: id, seq: seq++, atMs: 0, kind: 'o' as const, data: Buffer.alloc(queued, 'x'), hash: Buffer.alloc(32) }] : [];
      inFlight += queued;
      queued = 0;
      return rows;
    },
    committed: (rows) => {
      for (const r of rows) inFlight -= r.data.length;
      log.push(`committed ${rows.map((r) => r.seq).join(',')}`);
    },
    failed: (err) => log.push(`failed ${err.message}`),
  };
  return s;
}

test('a keystroke commits synchronously beside bulk output, which is acted on only after a later synchronous commit', async () => {
  const { pool, commits, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 1, bulkCopy: false });
  const busy = sink('busy');
  const typing = sink('typing');
  busy.push(4096);
  writer.markDirty(busy);
  typing.push();
  writer.markDirty(typing);
  await tick();
  assert.deepEqual(
    commits.map((c) => [c.kind, c.sessions]),
    [
      ['sync', ['typing']],
      ['async', ['busy']],
    ],
  );

  const typed = await next('sync');
  typed.done();
  await tick();
  assert.deepEqual(typing.log, ['committed 0'], 'the keystroke did not wait for the bulk batch');

  (await next('async')).done();
  await tick();
  assert.deepEqual(busy.log, [], 'an asynchronous commit alone is not durable: nothing is acted on');
  const fence = await next('fence');
  fence.done();
  await writer.idle();
  assert.deepEqual(busy.log, ['committed 0'], 'the fence, issued after the asynchronous COMMIT returned, made it durable');
});

test('small output of a session nobody types into goes the bulk way: the synchronous lane carries only the typing session', async () => {
  const { pool, commits, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 1, bulkCopy: false });
  const streams = Array.from({ length: 50 }, (_, i) => sink(`stream-${i}`, false));
  const typing = sink('typing');
  for (const s of streams) {
    s.push(10);
    writer.markDirty(s);
  }
  typing.push();
  writer.markDirty(typing);
  await tick();
  assert.deepEqual(
    commits.map((c) => [c.kind, c.sessions.length]),
    [
      ['sync', 1],
      ['async', 50],
    ],
  );
  assert.deepEqual(commits[0]!.sessions, ['typing']);
  (await next('sync')).done();
  (await next('async')).done();
  (await next('fence')).done();
  await writer.idle();
  assert.ok(streams.every((s) => s.log[0] === 'committed 0'));
});

test('a synchronous commit issued before a bulk COMMIT returned does not release it; one issued after does', async () => {
  const { pool, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 60_000, bulkCopy: false });
  const busy = sink('busy');
  const typing = sink('typing');
  typing.push();
  writer.markDirty(typing);
  busy.push(4096);
  writer.markDirty(busy);
  await tick();
  const early = await next('sync');
  (await next('async')).done();
  await tick();
  early.done();
  await tick();
  assert.deepEqual(typing.log, ['committed 0']);
  assert.deepEqual(busy.log, [], 'the earlier-issued synchronous commit proves nothing about the bulk batch');

  typing.push();
  writer.markDirty(typing);
  await tick();
  (await next('sync')).done();
  await tick();
  assert.deepEqual(busy.log, ['committed 0'], 'released by the keystroke issued after it, before that keystroke');
  assert.deepEqual(typing.log, ['committed 0', 'committed 1']);
  await writer.idle();
});

test('a session is never in two batches at once, and its batches are acted on in commit order', async () => {
  const { pool, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 60_000, bulkCopy: false });
  const busy = sink('busy');
  busy.push(4096);
  writer.markDirty(busy);
  await tick(); // the writer takes what is pending once per turn of the event loop
  busy.push(4096);
  writer.markDirty(busy);
  await tick();
  const first = await next('async');
  first.done();
  await tick();
  const second = await next('async');
  assert.deepEqual(second.sessions, ['busy'], 'the second part goes only after the first returned');
  second.done();
  await tick();
  const typing = sink('typing');
  typing.push();
  writer.markDirty(typing);
  await tick();
  (await next('sync')).done();
  await writer.idle();
  assert.deepEqual(busy.log, ['committed 0', 'committed 1']);
});

test('durable bulk output is acted on a slice at a time; a keystroke goes first unless its own session has output queued', async () => {
  const { pool, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 60_000, bulkCopy: false });
  const busy = sink('busy', false); // nobody typing: its output goes the bulk way
  busy.push(10);
  writer.markDirty(busy);
  await tick();
  (await next('async')).done();
  await tick();
  (busy as { interactive: boolean }).interactive = true; // then a keystroke of its own, and one of another session, on the synchronous lane
  busy.push();
  writer.markDirty(busy);
  const typing = sink('typing');
  typing.push();
  writer.markDirty(typing);
  await tick();
  const keystrokes = await next('sync');
  assert.deepEqual(keystrokes.sessions, ['busy', 'typing']);
  keystrokes.done();
  for (let i = 0; i < 10; i++) await null; // the commit's continuation, not yet the next turn of the event loop
  assert.deepEqual(typing.log, ['committed 0'], "the other session's keystroke is acted on at once");
  assert.deepEqual(busy.log, [], 'the released bulk batch waits for the next slice, and the keystroke behind it');
  await writer.idle();
  assert.deepEqual(busy.log, ['committed 0', 'committed 1'], 'a session still acts on its chunks in seq order');
});

test('a synchronous batch that found nothing to write proves nothing: bulk output still waits for a commit', async () => {
  const { pool, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 1, bulkCopy: false });
  // The first session's rows take longer than a slice, so the bulk batch yields before it takes the second's.
  const slow = sink('slow', false);
  const takeSlowly = slow.takeRows.bind(slow);
  slow.takeRows = () => {
    const until = performance.now() + 10;
    while (performance.now() < until);
    return takeSlowly();
  };
  const quiet = sink('quiet', false);
  slow.push(100);
  quiet.push(100);
  writer.markDirty(slow);
  writer.markDirty(quiet);
  await new Promise((r) => setImmediate(r)); // the bulk batch has started and yielded
  (quiet as { interactive: boolean }).interactive = true; // a keystroke comes meanwhile: the batch takes it with the output
  quiet.push(1);
  writer.markDirty(quiet);
  await tick();
  (await next('async')).done();
  await tick();
  const actedOn = (log: string[]) => log.filter((l) => l !== 'committed '); // an empty batch acts on nothing
  assert.deepEqual([actedOn(slow.log), actedOn(quiet.log)], [[], []], 'nothing acted on: only the asynchronous COMMIT has returned');
  (await next('fence')).done();
  await writer.idle();
  assert.deepEqual([actedOn(slow.log), actedOn(quiet.log)], [['committed 0'], ['committed 0']], 'the fence made them durable');
});

test('when the fence fails, the sessions whose bulk output was waiting for it fail and nothing of theirs is acted on', async () => {
  const { pool, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { fenceIntervalMs: 1, bulkCopy: false });
  const busy = sink('busy');
  busy.push(4096);
  writer.markDirty(busy);
  await tick();
  (await next('async')).done();
  (await next('fence')).done(new Error('connection lost'));
  await writer.idle();
  assert.deepEqual(busy.log, ['failed connection lost']);
});

test('a failed synchronous batch fails its sessions only', async () => {
  const { pool, tick, next } = gatedPool();
  const writer = new RecordingWriter(pool, { bulkCopy: false });
  const [a, b] = [sink('a'), sink('b')];
  a.push();
  writer.markDirty(a);
  await tick();
  b.push();
  writer.markDirty(b);
  (await next('sync')).done(new Error('disk full'));
  await tick();
  (await next('sync')).done();
  await writer.idle();
  assert.deepEqual(a.log, ['failed disk full']);
  assert.deepEqual(b.log, ['committed 0']);
});
