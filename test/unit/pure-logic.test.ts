import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { durationProblem, hasControlChars, isInsideWindow, windowEnd } from '../../src/access/access-fns.js';
import { canonicalJson, checkChain, eventHash, GENESIS } from '../../src/audit/audit-fns.js';
import { hashPassword, verifyPassword } from '../../src/auth/password-fns.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CastEncoder, CHAIN_START, checkChunks, chunkHash } from '../../src/recording/recording-fns.js';
import { parseClientMessage } from '../../src/terminal/protocol.js';

const dataDir = (t: { after(fn: () => void): void }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bg-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('configuration errors name the variable', (t) => {
  const base = { BREAKGLASS_DATA_DIR: dataDir(t) };
  const bad = [
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['BREAKGLASS_DEMO', 'maybe'],
    ['BREAKGLASS_MINUTE_MS', '5'],
    ['BREAKGLASS_POLICY', '{"prod":{"approvalsRequired":0}}'],
    ['BREAKGLASS_POLICY', 'nope'],
    ['BREAKGLASS_TOKEN_SECRET', 'short'],
    ['BREAKGLASS_LOG_LEVEL', 'bogus'],
    ['HOST', 'not a host'],
    ['HOST', 'http://127.0.0.1'],
    ['BREAKGLASS_ALLOWED_ORIGINS', 'ops.example.com'],
    ['BREAKGLASS_ALLOWED_ORIGINS', 'https://ops.example.com/path'],
    ['BREAKGLASS_ALLOWED_ORIGINS', 'javascript:alert(1)'],
  ];
  for (const [name, value] of bad) {
    assert.throws(
      () => loadConfig({ ...base, [name!]: value }),
      (e: Error) => e instanceof ConfigError && e.message.includes(name!),
      `${name}=${value}`,
    );
  }
  const c = loadConfig(base);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.demo, true, 'demo by default without DATABASE_URL');
  assert.equal(loadConfig({ ...base, DATABASE_URL: 'postgresql://x/y' }).demo, false);
  assert.equal(loadConfig(base).tokenSecret, c.tokenSecret, 'the generated secret is kept in the data dir');
  const good = loadConfig({ ...base, HOST: '::', BREAKGLASS_LOG_LEVEL: 'debug', BREAKGLASS_ALLOWED_ORIGINS: 'https://ops.example.com, http://127.0.0.1:5173' });
  assert.deepEqual([good.host, good.logLevel, good.allowedOrigins], ['::', 'debug', ['https://ops.example.com', 'http://127.0.0.1:5173']]);
});

test('passwords are salted scrypt hashes checked in constant time', async () => {
  const a = await hashPassword('demo');
  assert.notEqual(a, await hashPassword('demo'));
  assert.equal(await verifyPassword('demo', a), true);
  assert.equal(await verifyPassword('demO', a), false);
  assert.equal(await verifyPassword('demo', 'garbage'), false);
});

test('grant windows and policy bounds', () => {
  const policy = { approvalsRequired: 1, minDurationMinutes: 5, maxDurationMinutes: 60 };
  assert.equal(durationProblem(5, policy), undefined);
  assert.match(durationProblem(61, policy)!, /from 5 to 60/);
  const approved = new Date('2026-01-01T00:00:00Z');
  const end = windowEnd(approved, 15, 60_000);
  assert.equal(end.toISOString(), '2026-01-01T00:15:00.000Z');
  assert.equal(isInsideWindow(new Date('2026-01-01T00:14:59.999Z'), approved, end), true);
  assert.equal(isInsideWindow(end, approved, end), false);
  assert.equal(isInsideWindow(new Date('2025-12-31T23:59:59Z'), approved, end), false);
  assert.equal(isInsideWindow(approved, null, null), false);
  assert.equal(hasControlChars('tab\tand\nnewline are fine'), false);
  assert.equal(hasControlChars('escape \u001b[31m'), true);
  assert.equal(hasControlChars('c1 \u009b'), true);
});

test('the audit hash chain covers content and order', () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }] }), '{"a":[2,{"c":"x","d":null}],"b":1}');
  const e1 = { at: new Date(0), type: 'a', actorId: null, actor: null, subjectType: null, subjectId: null, data: { x: 1 } };
  const h1 = eventHash(GENESIS, e1);
  const e2 = { ...e1, type: 'b' };
  const h2 = eventHash(h1, e2);
  const rows = [
    { ...e1, id: 1, prevHash: GENESIS, hash: h1 },
    { ...e2, id: 2, prevHash: h1, hash: h2 },
  ];
  assert.deepEqual(checkChain(rows, GENESIS), { ok: true, head: h2 });
  assert.equal(checkChain([{ ...rows[0]!, data: { x: 2 } }, rows[1]!], GENESIS).ok, false);
  assert.equal(checkChain([rows[1]!], GENESIS).ok, false);
});

test('recording chunks chain, and asciicast keeps characters split across chunks whole', () => {
  const a = chunkHash(CHAIN_START, 0, 0, 'o', Buffer.from('hi'));
  const b = chunkHash(a, 1, 5, 'o', Buffer.from('!'));
  const rows = [
    { seq: 0, atMs: 0, kind: 'o' as const, data: Buffer.from('hi'), hash: a },
    { seq: 1, atMs: 5, kind: 'o' as const, data: Buffer.from('!'), hash: b },
  ];
  assert.equal(checkChunks(rows, CHAIN_START, 0).ok, true);
  assert.equal(checkChunks([rows[1]!], CHAIN_START, 0).ok, false);
  const check = Buffer.from('✓');
  const enc = new CastEncoder();
  const lines = [enc.line({ atMs: 0, kind: 'o', data: check.subarray(0, 1) }), enc.line({ atMs: 1500, kind: 'o', data: check.subarray(1) })];
  assert.equal(lines[0], '');
  assert.deepEqual(JSON.parse(lines[1]!), [1.5, 'o', '✓']);
});

test('websocket control frames are parsed strictly', () => {
  assert.deepEqual(parseClientMessage('{"type":"resize","cols":80,"rows":24}'), { type: 'resize', cols: 80, rows: 24 });
  for (const bad of [
    '',
    'x',
    '1',
    '"resize"',
    '{"type":"resize","cols":0,"rows":24}',
    '{"type":"resize","cols":80.5,"rows":24}',
    '{"type":"resize","cols":80,"rows":501}',
    '{"type":"other"}',
  ]) {
    assert.ok('error' in parseClientMessage(bad), bad);
  }
});
