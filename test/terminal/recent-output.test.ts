import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentOutput } from '../../src/terminal/recent-output.js';

test('keeps exactly the last bytes of everything pushed, however it comes', () => {
  // Seeded, so a failure reproduces: pieces of 1 byte to 3x the window, into windows of several sizes.
  let seed = 11;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const max of [1, 7, 1000, 4096]) {
    const recent = new RecentOutput(max);
    let all = Buffer.alloc(0);
    for (let i = 0; i < 300; i++) {
      const piece = Buffer.alloc(1 + rand(max * 3), 0x21 + (i % 90)); // ASCII: no character boundary to skip
      recent.push(piece);
      all = Buffer.concat([all, piece]).subarray(-max);
      assert.deepEqual(recent.contents(), all, `window ${max}, after piece ${i}`);
      assert.equal(recent.length, all.length);
    }
  }
});

test('holds no pushed buffer: what the caller pushed may be reused at once', () => {
  const recent = new RecentOutput(16);
  const piece = Buffer.from('hello');
  recent.push(piece);
  piece.fill(0x78);
  assert.equal(recent.contents().toString(), 'hello');
  const out = recent.contents();
  recent.push(Buffer.from('0123456789abcdef'));
  assert.equal(out.toString(), 'hello', 'a copy: sending it is not disturbed by later output');
});

test('starts the repaint at a character boundary', () => {
  const recent = new RecentOutput(5);
  recent.push(Buffer.from('aé€x')); // a, é (2 bytes), € (3 bytes), x: the last 5 bytes cut é in half
  assert.equal(recent.contents().toString(), '€x');
});
