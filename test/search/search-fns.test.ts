import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containsPattern, linesOf } from '../../src/search/search-fns.js';

const b = (s: string) => Buffer.from(s);

test('output lines lose their escape sequences and keep a line split across chunks whole', () => {
  const r = linesOf('o', b(''), [b('\x1b[32mok\x1b[0m\r\nsystemctl res'), b('tart nginx\r\npartial')], false);
  assert.deepEqual(r.lines, [
    { chunk: 0, line: 'ok' },
    { chunk: 1, line: 'systemctl restart nginx' },
  ]);
  assert.equal(r.carry.toString(), 'partial');
  assert.deepEqual(linesOf('o', r.carry, [], true).lines, [{ chunk: 0, line: 'partial' }]);
});

test('input lines are what was typed up to Enter, edits applied', () => {
  const r = linesOf('i', b(''), [b('systemctl restx'), b('\x7fart nginx\r'), b('ls\x15uptime\r'), b('\x1b[A\r')], false);
  assert.deepEqual(
    r.lines.map((l) => l.line),
    ['systemctl restart nginx', 'uptime'],
  );
});

test('a carriage return starts an output line over', () => {
  assert.deepEqual(
    linesOf('o', b(''), [b('10%\r50%\r100%\n')], false).lines.map((l) => l.line),
    ['100%'],
  );
});

test('search text is matched literally', () => {
  assert.equal(containsPattern('50%_a\\b'), '%50\\%\\_a\\\\b%');
});

test('lines and carry are the same whether chunks come one at a time or all at once, long lines included', () => {
  // Seeded, so a failure reproduces: lines of 0 to 20,000 bytes in chunks of 1 to 9,000 bytes.
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const kind of ['o', 'i'] as const) {
    const text = Array.from({ length: 60 }, (_, i) => `${i}:` + 'x'.repeat(rand(20_000)) + (rand(3) ? '\n' : '\r')).join('');
    const chunks: Buffer[] = [];
    for (let at = 0; at < text.length; ) {
      const n = 1 + rand(9000);
      chunks.push(b(text.slice(at, at + n)));
      at += n;
    }
    const whole = linesOf(kind, b('carried '), chunks, true);
    let carry: Buffer = b('carried ');
    const one: { chunk: number; line: string }[] = [];
    chunks.forEach((c, i) => {
      const r = linesOf(kind, carry, [c], i === chunks.length - 1);
      for (const l of r.lines) one.push({ chunk: i, line: l.line });
      carry = r.carry;
      assert.ok(carry.length <= 8192, 'the carry is capped');
    });
    assert.deepEqual(one, whole.lines);
    assert.ok(whole.lines.length >= 20);
    assert.ok(
      whole.lines.some((l) => l.line.length === 1000),
      'long lines are cut to 1,000 characters',
    );
  }
});
