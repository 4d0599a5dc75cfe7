import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCast } from './asciicast';
import { commandsOf } from './commands';

const cast = (...events: [number, string, string][]) =>
  parseCast([JSON.stringify({ version: 2, width: 80, height: 24 }), ...events.map((e) => JSON.stringify(e))].join('\n'));

test('each line entered is a command marker, with backspaces applied', () => {
  const c = cast([0.1, 'o', '$ '], [0.5, 'i', 'systemctl restax'], [0.6, 'i', '\x7frt nginx'], [0.7, 'i', '\r'], [1, 'i', '\r'], [2, 'i', 'ls\r']);
  assert.deepEqual(
    commandsOf(c).map((m) => `${m.t} ${m.label}`),
    ['700 systemctl restart nginx', '2000 ls'],
  );
});

test('a recalled or completed line is labelled with the prompt line on screen', () => {
  const c = cast([0.1, 'o', 'alice@web:~$ '], [0.2, 'i', '\x1b[A'], [0.3, 'o', 'uptime'], [0.4, 'i', '\r']);
  assert.deepEqual(
    commandsOf(c).map((m) => m.label),
    ['alice@web:~$ uptime'],
  );
});

test('lines typed inside a full-screen program are not commands', () => {
  const c = cast([0.1, 'i', 'vi x\r'], [0.2, 'o', '\x1b[?1049h'], [0.3, 'i', 'ihello\r'], [0.4, 'o', '\x1b[?1049l'], [0.5, 'i', 'exit\r']);
  assert.deepEqual(
    commandsOf(c).map((m) => m.label),
    ['vi x', 'exit'],
  );
});
