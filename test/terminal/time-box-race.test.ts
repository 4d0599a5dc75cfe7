// The end of a time box against what moves it or holds it up: an extension
// that lands while the session is asking Postgres whether its grant was
// extended, a notice whose date is not one, a Postgres that never answers, a
// wall clock stepped back. The session must end, at the right time, never live
// on without a deadline. A real pty and clock; the writer commits at once and
// the grant's end comes from the test.
import assert from 'node:assert/strict';
import test from 'node:test';
import type { RecordingSink, RecordingWriter } from '../../src/recording/recording-writer.js';
import { Deadlines } from '../../src/terminal/deadlines.js';
import { type SessionEnd, TerminalSession } from '../../src/terminal/terminal-session.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const committingWriter = {
  markDirty(sink: RecordingSink) {
    queueMicrotask(() => sink.committed(sink.takeRows()));
  },
} as unknown as RecordingWriter;

/** A session of a real shell whose grant ends in `endsInMs`; `ended` resolves with its end as persisted, and when. */
function openSession(endsInMs: number, currentEnd: () => Promise<Date | null>, graceMs = 60_000) {
  const start = Date.now();
  const ended = deferred<{ end: SessionEnd; at: number }>();
  const terminal = new TerminalSession(
    { id: 's1', requestId: 'r1', userId: 'u1', hostName: 'web-1', instance: 1, startedAtMs: start, expiresAtMs: start + endsInMs, cols: 80, rows: 24 },
    { file: '/bin/sh', args: [], env: { PATH: '/usr/bin:/bin' }, cwd: '/tmp', dispose: async () => {} },
    {
      writer: committingWriter,
      timing: { minuteMs: 1000, warnBeforeEndMinutes: [], disconnectGraceMs: graceMs, endCheckTimeoutMs: 200 },
      deadlines: new Deadlines(),
      persistEnd: async (_session, end) => {
        ended.resolve({ end, at: Date.now() });
        return undefined;
      },
      currentEnd,
    },
  );
  return { terminal, ended: ended.promise, endsAt: start + endsInMs };
}

test('an extension that lands while the session asks for its current end moves the end, and the session still ends at the new one', {
  timeout: 10_000,
}, async () => {
  let answer!: (end: Date | null) => void;
  const asked = deferred<void>();
  let extendedTo = 0;
  const { terminal, ended } = openSession(100, () => {
    if (extendedTo) return Promise.resolve(new Date(extendedTo)); // asked again at the new end: it is over
    asked.resolve();
    return new Promise<Date | null>((resolve) => (answer = resolve));
  });
  await asked.promise; // the window's end came: the session asks whether it moved
  extendedTo = Date.now() + 300;
  terminal.moveEnd(new Date(extendedTo)); // the extension's notice arrives meanwhile
  answer(new Date(extendedTo)); // and Postgres says the same
  const { end, at } = await ended;
  assert.equal(end.reason, 'expired');
  assert.ok(at >= extendedTo, `ended ${extendedTo - at} ms before the extended end`);
});

test('a notice whose date is not a date leaves the end where it was', { timeout: 10_000 }, async () => {
  const { terminal, ended, endsAt } = openSession(200, async () => null);
  terminal.moveEnd(new Date('not a date'));
  const { end, at } = await ended;
  assert.equal(end.reason, 'expired');
  assert.ok(at >= endsAt, `ended ${endsAt - at} ms early`);
});

test('when Postgres never answers whether the grant was extended, the session ends anyway', { timeout: 10_000 }, async () => {
  const { ended, endsAt } = openSession(100, () => new Promise<Date | null>(() => {}));
  const { end, at } = await ended;
  assert.equal(end.reason, 'expired');
  assert.ok(at >= endsAt);
});

test('a wall clock stepped back an hour does not stretch the disconnect grace', { timeout: 10_000 }, async (t) => {
  const wallNow = Date.now;
  t.after(() => {
    Date.now = wallNow;
  });
  const opened = performance.now();
  const { ended } = openSession(3_600_000 * 3, async () => null, 300); // no browser ever attaches
  Date.now = () => wallNow() - 3_600_000; // the step, as any code that reads the wall clock sees it
  const { end } = await ended;
  assert.equal(end.reason, 'disconnected');
  assert.ok(performance.now() - opened >= 300, 'not before the grace');
});
