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
