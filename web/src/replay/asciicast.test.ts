/// <reference types="node" />
// Run: node --import tsx --test web/src/replay/asciicast.test.ts
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findInOutput, markersOf, outputText, parseCast, parseSize } from './asciicast';

const cast = [
  JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1795672886 }),
  '[0.01, "m", "session started on staging-web-1"]',
  '[0.011, "r", "80x24"]',
  '[0.042, "o", "\\u001b[?2004halice@staging-web-1:~# "]',
  '[0.549, "i", "echo breakglass-e2e-42\\n"]',
  '[0.6, "o", "echo breakg"]',
  '[0.7, "o", "lass-e2e-42\\r\\n\\u001b[?2004l\\rbreakglass-e2e-42\\r\\n"]',
  '[1.5, "r", "120x40"]',
  '[2.25, "m", "session ended: exit"]',
  '[2.3, "o", "\\u001b]0;title\\u0007bye"]',
  '[2.4, "o", "torn',
].join('\n');

test('parses the header and events, skipping a torn last line', () => {
  const c = parseCast(cast);
  assert.equal(c.width, 80);
  assert.equal(c.height, 24);
  assert.equal(c.events.length, 9);
  assert.deepEqual(c.events[0], { t: 10, code: 'm', data: 'session started on staging-web-1' });
  assert.equal(c.durationMs, 2300);
});

test('rejects what is not asciicast v2', () => {
  assert.throws(() => parseCast(''), /empty/);
  assert.throws(() => parseCast('{"version":1}'), /version 1/);
  assert.throws(() => parseCast('<html>'), /header/);
});

test('a burst of resizes is one marker, where the size settled', () => {
  const burst = [
    JSON.stringify({ version: 2, width: 80, height: 24 }),
    '[0.01,"r","142x44"]',
    '[0.2,"r","150x47"]',
    '[0.4,"r","150x46"]',
    '[3,"r","100x30"]',
  ].join('\n');
  assert.deepEqual(
    markersOf(parseCast(burst))
      .filter((m) => m.kind === 'resize')
      .map((m) => m.label),
    ['Resize to 150x46', 'Resize to 100x30'],
  );
});

test('markers are start, notices, resizes and end, in time order', () => {
  const labels = markersOf(parseCast(cast)).map((m) => `${m.t} ${m.kind} ${m.label}`);
  assert.deepEqual(labels, [
    '0 start Start',
    '10 notice session started on staging-web-1',
    '11 resize Resize to 80x24',
    '1500 resize Resize to 120x40',
    '2250 notice session ended: exit',
    '2300 end End',
  ]);
});

test('output text drops escape sequences and keeps what was on screen', () => {
  const { text } = outputText(parseCast(cast));
  assert.equal(text, 'alice@staging-web-1:~# echo breakglass-e2e-42\nbreakglass-e2e-42\nbye');
});

test('a search hit is the event that finished printing the text, even across events', () => {
  const c = parseCast(cast);
  const hits = findInOutput(c, 'BREAKGLASS-e2e-42');
  assert.deepEqual(
    hits.map((i) => c.events[i].t),
    [700, 700],
  );
  assert.deepEqual(
    findInOutput(c, 'echo breakg').map((i) => c.events[i].t),
    [600],
  );
  assert.deepEqual(findInOutput(c, 'title'), []);
  assert.deepEqual(findInOutput(c, ''), []);
});

test('resize data is COLSxROWS', () => {
  assert.deepEqual(parseSize('120x40'), { cols: 120, rows: 40 });
  assert.equal(parseSize('wide'), null);
});
