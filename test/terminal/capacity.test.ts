import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityMessage, FDS_PER_SESSION, machineCapacity } from '../../src/terminal/capacity.js';

test('a machine that cannot hold 1,000 sessions is told what to raise, with the numbers', () => {
  const c = machineCapacity(1000, { openFiles: 1024, ptyMax: 4096, ptyInUse: 3500 });
  assert.equal(c.sessions, Math.min(Math.floor((1024 - 256) / FDS_PER_SESSION), 596));
  const msg = capacityMessage(c);
  assert.match(msg, /capacity warning/);
  assert.match(msg, /ulimit -n 4256/);
  assert.match(msg, /596 of kernel\.pty\.max=4096 are free/);
  assert.match(msg, /sysctl -w kernel\.pty\.max=5096/);
});

test('a machine with room for 1,000 sessions says how many it holds', () => {
  const c = machineCapacity(1000, { openFiles: 20000, ptyMax: 4096, ptyInUse: 1 });
  assert.deepEqual(c.needs, []);
  assert.match(capacityMessage(c), /^capacity: room for about 4095 concurrent sessions/);
});

test("this machine's own limits are read from /proc", () => {
  const c = machineCapacity();
  assert.ok(c.openFiles === undefined || c.openFiles > 0);
  assert.ok(c.ptyMax === undefined || c.ptyMax > 0);
});
