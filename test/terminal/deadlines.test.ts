import assert from 'node:assert/strict';
import test from 'node:test';
import { Deadlines, type Sleeper } from '../../src/terminal/deadlines.js';

/** A sleeper that notes when it was woken, by the clock's time. */
function sleeper(name: string, woken: string[], onWake?: (now: number) => void): Sleeper {
  return {
    wake(now) {
      woken.push(name);
      onWake?.(now);
    },
  };
}

/** Resolves once `woken` has `n` entries (checked after each timer turn). */
async function until(woken: string[], n: number): Promise<void> {
  while (woken.length < n) await new Promise((r) => setImmediate(r));
}

test('sleepers are woken in the order of their deadlines, each only at the one it asked for last', async () => {
  const clock = new Deadlines();
  const woken: string[] = [];
  const t0 = clock.now();
  const a = sleeper('a', woken);
  const b = sleeper('b', woken);
  const c = sleeper('c', woken);
  clock.wakeAt(c, t0 + 30);
  clock.wakeAt(a, t0 + 10);
  clock.wakeAt(b, t0 + 20);
  clock.wakeAt(a, t0 + 40); // moved: its entry for +10 is stale and wakes nobody
  await until(woken, 3);
  assert.deepEqual(woken, ['b', 'c', 'a']);
  assert.equal(clock.size, 0);
});

test('a sleeper is never woken before its deadline by the clock it is given, even when the timer fires early', async () => {
  let reads = 0;
  // The second reading (the timer's firing) says 50 ms earlier than it is: the clock must set its timer again.
  const clock = new Deadlines(() => (++reads === 2 ? Date.now() - 50 : Date.now()));
  const woken: string[] = [];
  const times: number[] = [];
  const at = Date.now() + 5;
  clock.wakeAt(
    sleeper('a', woken, (now) => times.push(now)),
    at,
  );
  await until(woken, 1);
  assert.ok(times[0]! >= at, `woken ${at - times[0]!} ms before its deadline`);
  assert.ok(reads >= 4, 'armed, fired early, armed again, fired');
});

test('a cancelled sleeper is not woken, and with nobody waiting no timer is left to keep the process up', async () => {
  const clock = new Deadlines();
  const woken: string[] = [];
  const a = sleeper('a', woken);
  const b = sleeper('b', woken);
  clock.wakeAt(a, clock.now() + 5);
  clock.wakeAt(b, clock.now() + 10);
  clock.cancel(a);
  await until(woken, 1);
  assert.deepEqual(woken, ['b']);
  clock.wakeAt(a, clock.now() + 60_000);
  clock.cancel(a);
  // node:test waits for the process's handles: an armed 60 s timer would hold this file up for a minute.
  assert.equal(clock.size, 0);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, 0);
});

test('deadlines moved many times wake each sleeper once, at its last one, in order', async () => {
  const clock = new Deadlines();
  const woken: string[] = [];
  const t0 = clock.now();
  const sleepers = Array.from({ length: 100 }, (_, i) => sleeper(String(i), woken));
  // Three moves each (300 stale entries, so the heap is rebuilt along the way); the last puts them in reverse order.
  for (let move = 0; move < 3; move++) {
    for (const [i, s] of sleepers.entries()) clock.wakeAt(s, t0 + 5 + move * 1000 + (move === 2 ? 100 - i : i));
  }
  for (const [i, s] of sleepers.entries()) clock.wakeAt(s, t0 + 5 + (100 - i));
  await until(woken, 100);
  assert.deepEqual(
    woken,
    sleepers.map((_, i) => String(99 - i)),
  );
  assert.equal(clock.size, 0);
});

test('a deadline that is not a number wakes its sleeper at once (fail closed), not never', async () => {
  const clock = new Deadlines();
  const woken: string[] = [];
  clock.wakeAt(sleeper('a', woken), Number.NaN);
  await until(woken, 1);
  assert.deepEqual(woken, ['a']);
});
