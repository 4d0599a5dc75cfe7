// A session's evidence holds up without trusting whoever runs the database:
// its manifest is signed with a key outside Postgres, the bundle verifies
// offline with ssh-keygen and `npm run verify`, and a superuser's rewrite of
// the recording is reported by both.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { parseOpenSshEd25519, sshSign } from '../../src/evidence/sshsig-fns.js';
import { asSuperuser } from '../helpers/database.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-evidence-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A finished session on staging-web-1 whose shell ran `script`. */
async function finishedSession(h: Harness, script: string, host = 'staging-web-1'): Promise<{ id: string; frames: Buffer[] }> {
  const id = await h.openSession(await h.grant(host, 15, 'alice', ['bob']));
  const term = await h.attach(id);
  term.send(`${script}; echo end-$((40+2))\n`);
  await term.waitForOutput('end-42');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  return { id, frames: term.frames };
}

async function download(h: Harness, url: string, file: string): Promise<Buffer> {
  const res = await fetch(h.url + url, { headers: { authorization: `Bearer ${await h.token('dave')}` } });
  assert.equal(res.status, 200, url);
  const body = Buffer.from(await res.arrayBuffer());
  writeFileSync(file, body);
  return body;
}

/** `npm run verify -- <bundle>` as an auditor would run it (no broker, no database in its environment). */
async function offlineVerify(bundle: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/evidence/verify-cli.ts'), bundle, ...extra], { cwd: root, env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  return { code, out };
}

test('signatures are exactly what ssh-keygen -Y sign makes with the same key', async (t) => {
  const dir = tempDir(t);
  const keyFile = path.join(dir, 'key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  const message = 'manifest bytes ✓\n';
  writeFileSync(path.join(dir, 'msg'), message);
  await run('ssh-keygen', ['-Y', 'sign', '-f', keyFile, '-n', 'breakglass-recording', path.join(dir, 'msg')]);
  const theirs = readFileSync(path.join(dir, 'msg.sig'), 'utf8');
  assert.equal(sshSign(parseOpenSshEd25519(readFileSync(keyFile, 'utf8')), 'breakglass-recording', message), theirs);
});

test("a session's end signs its manifest; the bundle verifies with ssh-keygen and npm run verify", async (t) => {
  const h = await startHarness(t);
  const dir = tempDir(t);
  const keyFile = path.join(h.dataDir, 'evidence', 'signing-key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const key = (await h.api('dave', 'GET', '/api/evidence/key')).body;
  assert.notEqual(key.fingerprint, (await h.api('admin', 'GET', '/api/ssh/ca')).body.fingerprint, 'not the SSH CA key');

  const { id } = await finishedSession(h, 'echo evidence-$((6*7))');
  const manifest = (await h.api('dave', 'GET', `/api/sessions/${id}/manifest`)).body;
  const m = JSON.parse(manifest.manifest);
  const session = (await h.api('dave', 'GET', `/api/sessions/${id}`)).body;
  assert.equal(m.session, id);
  assert.equal(m.user, 'alice');
  assert.equal(m.host.name, 'staging-web-1');
  assert.equal(m.host.instance, 1);
  assert.deepEqual(m.approvers, ['bob']);
  assert.equal(m.endReason, 'exit');
  assert.equal(m.endedAt, session.endedAt);
  assert.equal(m.bytesOut, session.bytesOut);
  assert.equal(m.bytesIn, session.bytesIn);
  assert.equal(m.chunks, await h.prisma.recordingChunk.count({ where: { sessionId: id } }));
  const ended = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'session.ended', subjectId: id } });
  assert.equal((ended.data as { manifest: string }).manifest, manifest.hash);
  assert.equal(sha(manifest.manifest), manifest.hash);

  const report = (await h.api('dave', 'GET', `/api/sessions/${id}/evidence/verify`)).body;
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, true);

  const bundle = path.join(dir, 'bundle.tar');
  await download(h, `/api/sessions/${id}/evidence`, bundle);
  await run('tar', ['xf', bundle, '-C', dir]);
  const x = path.join(dir, `breakglass-evidence-${id}`);
  const byHand = spawn('ssh-keygen', [
    '-Y',
    'verify',
    '-f',
    path.join(x, 'allowed_signers'),
    '-I',
    'breakglass',
    '-n',
    'breakglass-recording',
    '-s',
    path.join(x, 'manifest.json.sig'),
  ]);
  byHand.stdin.end(readFileSync(path.join(x, 'manifest.json')));
  let said = '';
  byHand.stdout.on('data', (d: Buffer) => (said += d));
  assert.equal(await new Promise((resolve) => byHand.on('close', resolve)), 0);
  assert.match(said, /Good "breakglass-recording" signature for breakglass/);
  assert.equal(readFileSync(path.join(x, 'signing-key.pub'), 'utf8').trim(), key.publicKey);

  const offline = await offlineVerify(bundle, ['--key', key.fingerprint]);
  assert.equal(offline.code, 0, offline.out);
  assert.match(offline.out, /VERIFIED/);
  assert.equal(
    (await offlineVerify(bundle, ['--key', 'SHA256:someone-elses-key'])).code,
    1,
    'a bundle signed by another key does not verify against the pinned one',
  );

  assert.equal((await h.api('alice', 'GET', `/api/sessions/${id}/evidence`)).status, 403);
  assert.equal((await h.api('dave', 'GET', '/api/sessions/00000000-0000-4000-8000-000000000000/evidence')).status, 404);
});

test('a recording rewritten with recomputed hashes, or missing its last chunk, does not verify, online or offline', async (t) => {
  const h = await startHarness(t);
  const dir = tempDir(t);
  const rewritten = await finishedSession(h, 'for i in 1 2 3 4 5 6; do echo secret-$i; sleep 0.05; done');
  const dropped = await finishedSession(h, 'echo short-$((1+1))', 'staging-web-2');
  const before = await h.prisma.recordingChunk.count({ where: { sessionId: rewritten.id } });
  assert.ok(before > 4);

  // As a superuser: keep only the first 3 chunks of one recording, edit them and
  // recompute the chain so that every hash is right again; drop the last chunk of the other.
  await asSuperuser(h.broker.databaseUrl, async (c) => {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query('DELETE FROM recording_chunks WHERE session_id = $1 AND seq >= 3', [rewritten.id]);
    await c.query(`UPDATE recording_chunks SET data = convert_to(replace(convert_from(data, 'UTF8'), 'secret', 'benign'), 'UTF8') WHERE session_id = $1`, [
      rewritten.id,
    ]);
    const rows = (
      await c.query<{ seq: number; at_ms: number; kind: string; data: Buffer }>(
        'SELECT seq, at_ms, kind, data FROM recording_chunks WHERE session_id = $1 ORDER BY seq',
        [rewritten.id],
      )
    ).rows;
    let prev = Buffer.alloc(32);
    for (const r of rows) {
      const head = Buffer.alloc(9);
      head.writeUInt32BE(r.seq, 0);
      head.writeUInt32BE(r.at_ms, 4);
      head.write(r.kind, 8, 'latin1');
      prev = createHash('sha256').update(prev).update(head).update(r.data).digest();
      await c.query('UPDATE recording_chunks SET hash = $1 WHERE session_id = $2 AND seq = $3', [prev, rewritten.id, r.seq]);
    }
    await c.query('DELETE FROM recording_chunks WHERE session_id = $1 AND seq = (SELECT max(seq) FROM recording_chunks WHERE session_id = $1)', [dropped.id]);
    await c.query('COMMIT');
  });

  // The unkeyed chain alone is fooled: that is why the manifest exists.
  assert.equal((await h.api('dave', 'GET', `/api/sessions/${rewritten.id}/recording/verify`)).body.ok, true);
  for (const [s, why] of [
    [rewritten, /chunks: the recording has 3, the manifest says \d+/],
    [dropped, /chunks: the recording has \d+, the manifest says \d+/],
  ] as const) {
    const report = (await h.api('dave', 'GET', `/api/sessions/${s.id}/evidence/verify`)).body;
    assert.equal(report.ok, false);
    assert.equal(report.signatureValid, true);
    assert.match(report.problems.join('\n'), why);
    assert.match(report.problems.join('\n'), /last chunk hash/);
    const bundle = path.join(dir, `${s.id}.tar`);
    await download(h, `/api/sessions/${s.id}/evidence`, bundle);
    const offline = await offlineVerify(bundle);
    assert.equal(offline.code, 1, offline.out);
    assert.match(offline.out, /DOES NOT VERIFY/);
    assert.match(offline.out, why);
  }

  // A forged manifest (the superuser edits it to match) fails its signature.
  await asSuperuser(h.broker.databaseUrl, (c) =>
    c.query(`
    SET session_replication_role = replica;
    UPDATE session_manifests SET manifest = replace(manifest, '"chunks":${before}', '"chunks":3') WHERE session_id = '${rewritten.id}'`),
  );
  const forged = (await h.api('dave', 'GET', `/api/sessions/${rewritten.id}/evidence/verify`)).body;
  assert.equal(forged.signatureValid, false);
  assert.equal(forged.ok, false);
});

test('random binary output exports to exactly the bytes the client received; the asciicast cannot carry them', async (t) => {
  const h = await startHarness(t);
  const { id, frames } = await finishedSession(h, 'head -c 1000000 /dev/urandom');
  const received = Buffer.concat(frames);
  assert.ok(received.length > 1_000_000);
  const res = await fetch(`${h.url}/api/sessions/${id}/recording/exact`, { headers: { authorization: `Bearer ${await h.token('dave')}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
  const lines = (await res.text())
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { seq: number; kind: string; data: string; hash: string; atMs: number });
  assert.deepEqual(
    lines.map((l) => l.seq),
    lines.map((_, i) => i),
  );
  const exact = Buffer.concat(lines.filter((l) => l.kind === 'o').map((l) => Buffer.from(l.data, 'base64')));
  assert.equal(sha(exact), sha(received));
  const cast = await (await fetch(`${h.url}/api/sessions/${id}/recording`, { headers: { authorization: `Bearer ${await h.token('dave')}` } })).text();
  const castOut = cast
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l))
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');
  assert.notEqual(sha(Buffer.from(castOut, 'utf8')), sha(received), 'asciicast replaces bytes that are not UTF-8');
});
