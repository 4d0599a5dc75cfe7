// The broker's search for a session's leftover processes: sessions that end
// together share passes over /proc, and each gets only its own namespace's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { processesIn } from '../../src/terminal/sandbox/sandbox.js';

test('concurrent searches in different pid namespaces share a pass and each gets its own processes', async (t) => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const mine = readlinkSync('/proc/self/ns/pid');
  const none = 'pid:[1]'; // no namespace has this inode
  const [inMine, inNone, again] = await Promise.all([processesIn(mine), processesIn(none), processesIn(mine)]);
  assert.ok(inMine.includes(process.pid) && inMine.includes(child.pid!), 'this process and its child are found in their namespace');
  assert.deepEqual(inNone, [], 'a namespace with no process gets none of the others');
  assert.deepEqual(again, inMine, 'a second search joining the same pass gets the same answer');
});
