// Evidence before teardown for local-image hosts: what a session changed is
// diffed against the image, stored and audited before the host is rebuilt; the
// host directory is hostile (written by a granted user), so the capture never
// follows a link, never opens a FIFO, never leaves the tree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Capturer } from '../../src/replacement/capture/evidence.js';
import { DEFAULT_LIMITS, readTree } from '../../src/replacement/capture/file-tree.js';
import { startHarness, type Harness } from '../helpers/harness.js';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function sessionThatRuns(h: Harness, host: string, commands: string): Promise<string> {
  const sessionId = await h.openSession(await h.grant(host, 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send(`${commands}; exit\n`);
  assert.equal(await term.waitForExit(), 'exit');
  return sessionId;
}

test('a hostile tree is read without following links, opening FIFOs or keeping the content of hard links', async (t) => {
  const dir = scratch(t);
  const outside = path.join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret'), 'the broker secret\n');
  const root = path.join(dir, 'host');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc/app.conf'), 'workers=8\n');
  symlinkSync(path.join(outside, 'secret'), path.join(root, 'link-to-secret'));
  symlinkSync(outside, path.join(root, 'link-to-dir'));
  linkSync(path.join(outside, 'secret'), path.join(root, 'hard-link'));
  execFileSync('mkfifo', [path.join(root, 'pipe')]);
  writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(4096, 1));

  const tree = await readTree(root, { ...DEFAULT_LIMITS, maxHashBytes: 1024 });
  const e = (p: string) => tree.entries.get(p)!;
  assert.deepEqual([...tree.entries.keys()].sort(), ['big.bin', 'etc', 'etc/app.conf', 'hard-link', 'link-to-dir', 'link-to-secret', 'pipe']);
  assert.equal(e('etc/app.conf').text, 'workers=8\n');
  assert.equal(e('link-to-secret').kind, 'symlink');
  assert.equal(e('link-to-secret').target, path.join(outside, 'secret'));
  assert.equal(e('link-to-secret').text, undefined);
  assert.equal(e('link-to-dir').kind, 'symlink', 'a linked directory is not entered');
  assert.equal(e('pipe').kind, 'other');
  assert.equal(e('hard-link').text, undefined, "a file with other links may be somebody else's: its content is not kept");
  assert.match(e('hard-link').note!, /hard link/);
  assert.equal(e('big.bin').sha256, undefined);
  assert.match(e('big.bin').note!, /too large/);
  assert.ok(![...tree.entries.values()].some((x) => x.text?.includes('broker secret')));
});

test('a tree with more entries than the limit is read up to it and said to be incomplete', async (t) => {
  const root = scratch(t);
  for (let i = 0; i < 30; i++) writeFileSync(path.join(root, `f${i}`), String(i));
  const tree = await readTree(root, { ...DEFAULT_LIMITS, maxEntries: 10 });
  assert.equal(tree.entries.size, 10);
  assert.match(tree.incomplete!, /more than 10 entries/);
});

test('before a touched host is rebuilt, what the session changed is captured, stored, audited and readable', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('staging-web-1');
  const sessionId = await sessionThatRuns(
    h,
    'staging-web-1',
    'echo hotfix > etc/app.conf; echo note > weird-file; rm etc/motd; ln -s /etc/passwd leak; mkfifo pipe; mkdir -p var/cache; echo x > var/cache/y',
  );
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  assert.equal(done.body[0].capture.status, 'succeeded');
  assert.equal(done.body[0].capture.kind, 'file-diff');

  const changes = await h.api('alice', 'GET', `/api/sessions/${sessionId}/changes`);
  assert.equal(changes.status, 200, JSON.stringify(changes.body));
  assert.equal(changes.body.length, 1);
  const capture = changes.body[0];
  assert.deepEqual(capture.sessionIds, [sessionId]);
  const byPath = Object.fromEntries(capture.items.map((i: { path: string }) => [i.path, i]));
  // bash keeps its history in the host directory (HOME): that is evidence too.
  const history = existsSync('/bin/bash') ? ['.bash_history'] : [];
  assert.deepEqual(capture.summary, {
    added: 6 + history.length,
    changed: 1,
    removed: 1,
    bytes: capture.summary.bytes,
    image: 'web-base:2026.11.1',
    instance: 1,
  });
  assert.deepEqual(Object.keys(byPath).sort(), [...history, 'etc/app.conf', 'etc/motd', 'leak', 'pipe', 'var', 'var/cache', 'var/cache/y', 'weird-file']);
  assert.equal(byPath['etc/app.conf'].change, 'changed');
  assert.equal(byPath['etc/app.conf'].text, 'hotfix\n');
  assert.equal(byPath['etc/app.conf'].before.text, 'workers=4\nlog_level=info\n');
  assert.match(byPath['etc/app.conf'].sha256, /^[0-9a-f]{64}$/);
  assert.equal(byPath['weird-file'].change, 'added');
  assert.equal(byPath['weird-file'].size, 5);
  assert.equal(byPath['etc/motd'].change, 'removed');
  assert.deepEqual([byPath.leak.kind, byPath.leak.target, byPath.leak.text], ['symlink', '/etc/passwd', undefined]);
  assert.equal(byPath.pipe.kind, 'other');

  assert.equal((await h.api('dave', 'GET', `/api/captures/${capture.id}`)).body.items.length, 8 + history.length);
  assert.equal((await h.api('alice', 'GET', `/api/captures/${capture.id}`)).status, 403);
  assert.equal((await h.api('dave', 'GET', '/api/captures/00000000-0000-4000-8000-000000000000')).body.error.code, 'not_found');
  assert.equal((await h.api('dave', 'GET', '/api/captures/nope')).status, 400);

  const steps = await h.prisma.auditEvent.findMany({ where: { OR: [{ subjectId: done.body[0].id }, { subjectId: capture.id }] }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((s) => s.type),
    ['replacement.scheduled', 'replacement.started', 'capture.succeeded', 'replacement.succeeded'],
  );
  assert.ok(!JSON.stringify(steps[2]!.data).includes('hotfix'), 'the audit trail keeps counts, not contents');
  await assert.rejects(h.prisma.capture.deleteMany({}), /append-only|permission denied/);
});

const failing: Capturer = {
  provider: 'local-image',
  capture: async () => {
    throw new Error('disk unreadable');
  },
};

test('a failed capture holds the teardown: the host keeps what was done on it, the failure is an alert', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' }, { capturers: [failing] });
  const hostId = await h.hostId('staging-web-2');
  await sessionThatRuns(h, 'staging-web-2', 'echo evidence > weird-file');
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'failed',
    'held replacement',
  );
  assert.match(failed.body[0].lastError, /evidence capture failed: disk unreadable; the teardown is held/);
  assert.equal(failed.body[0].capture.status, 'failed');
  assert.ok(existsSync(path.join(h.dataDir, 'hosts', 'staging-web-2', 'weird-file')), 'the host was not torn down');
  const alert = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'capture.failed' } });
  assert.equal((alert.data as { teardown: string }).teardown, 'held');
  assert.equal((await h.api('alice', 'GET', `/api/hosts/${hostId}`)).body.state, 'failed');
});

test('with BREAKGLASS_CAPTURE_ON_FAILURE=proceed a failed capture is an alert and the host is replaced', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_CAPTURE_ON_FAILURE: 'proceed' }, { capturers: [failing] });
  const hostId = await h.hostId('staging-web-2');
  await sessionThatRuns(h, 'staging-web-2', 'echo evidence > weird-file');
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  assert.equal(done.body[0].capture.status, 'failed');
  const alert = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'capture.failed' } });
  assert.equal((alert.data as { teardown: string }).teardown, 'proceeded');
  assert.equal(existsSync(path.join(h.dataDir, 'hosts', 'staging-web-2', 'weird-file')), false);
});

test('an untouched host replaced by an admin is not captured', async (t) => {
  const h = await startHarness(t);
  const hostId = await h.hostId('prod-web-2');
  const asked = await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`);
  assert.equal(asked.status, 202);
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  assert.equal(done.body[0].capture, null);
});
