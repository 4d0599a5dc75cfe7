// Signed audit checkpoints: a deleted or rewritten tail of the audit trail is
// reported, even by a superuser who also deletes the checkpoints in Postgres
// (the data dir's file keeps them).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventHash } from '../../src/audit/audit-fns.js';
import { checkpointFile } from '../../src/evidence/audit-checkpoints.js';
import { asSuperuser } from '../helpers/database.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const root = path.resolve(import.meta.dirname, '../..');

/** `npm run verify -- audit` on what an auditor exports: the API's events, a copy of the checkpoint file, the public key. */
async function offlineAudit(h: Harness): Promise<{ code: number; out: string }> {
  const events = (await h.api('dave', 'GET', '/api/audit?limit=1000')).body;
  writeFileSync(path.join(h.dataDir, 'events.json'), JSON.stringify(events));
  writeFileSync(path.join(h.dataDir, 'key.pub'), (await h.api('dave', 'GET', '/api/evidence/key')).body.publicKey + '\n');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/evidence/verify-cli.ts'),
      'audit',
      path.join(h.dataDir, 'events.json'),
      checkpointFile(h.dataDir),
      path.join(h.dataDir, 'key.pub'),
    ],
    { cwd: root, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' } },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  return { code: await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1))), out };
}

async function sshVerifyByHand(allowedSignersFile: string, payload: string, sigFile: string): Promise<number> {
  const child = spawn('ssh-keygen', ['-Y', 'verify', '-f', allowedSignersFile, '-I', 'breakglass', '-n', 'breakglass-audit', '-s', sigFile], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin.end(payload);
  return new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
}

test('an admin signs the audit head on demand; it is kept in Postgres and in the data dir, and verifies with ssh-keygen', async (t) => {
  const h = await startHarness(t);
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  assert.equal((await h.api('dave', 'POST', '/api/audit/checkpoints', {})).status, 403);
  const made = await h.api('admin', 'POST', '/api/audit/checkpoints', {});
  assert.equal(made.status, 201);
  const head = await h.prisma.auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
  assert.equal(made.body.eventId, head.id.toString());
  assert.equal(made.body.hash, head.hash);
  assert.equal(made.body.count, await h.prisma.auditEvent.count());
  const lines = readFileSync(checkpointFile(h.dataDir), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(JSON.parse(lines.at(-1).payload).hash, head.hash);
  const key = (await h.api('dave', 'GET', '/api/evidence/key')).body;
  writeFileSync(`${h.dataDir}/allowed`, key.allowedSigners);
  writeFileSync(`${h.dataDir}/cp.sig`, lines.at(-1).signature);
  assert.equal(await sshVerifyByHand(`${h.dataDir}/allowed`, lines.at(-1).payload, `${h.dataDir}/cp.sig`), 0);
  const verify = (await h.api('dave', 'GET', '/api/audit/verify')).body;
  assert.equal(verify.ok, true);
  assert.equal(verify.checkpoint.eventId, head.id.toString());
  assert.equal((await h.api('dave', 'GET', '/api/audit/checkpoints')).body.length, 1);
  const offline = await offlineAudit(h);
  assert.equal(offline.code, 0, offline.out);
  assert.match(offline.out, /VERIFIED/);
});

test('a deleted audit tail is reported, even when the checkpoints in Postgres are deleted too', async (t) => {
  const h = await startHarness(t);
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  assert.equal((await h.api('admin', 'POST', '/api/audit/checkpoints', {})).status, 201);
  await asSuperuser(h.broker.databaseUrl, (c) =>
    c.query(`
    SET session_replication_role = replica;
    DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id DESC LIMIT 3);
    DELETE FROM audit_checkpoints;`),
  );
  const verify = (await h.api('dave', 'GET', '/api/audit/verify')).body;
  assert.equal(verify.ok, false);
  assert.match(verify.problem, /the tail was deleted/);
  assert.equal(verify.checkpoint.source, 'file');
  const offline = await offlineAudit(h);
  assert.equal(offline.code, 1, offline.out);
  assert.match(offline.out, /the tail was deleted/);
});

test('a rewritten last event, its hash recomputed, is reported', async (t) => {
  const h = await startHarness(t);
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  assert.equal((await h.api('admin', 'POST', '/api/audit/checkpoints', {})).status, 201);
  const last = await h.prisma.auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
  const data = { ...(last.data as object), forged: true };
  const hash = eventHash(last.prevHash, { ...last, data });
  await asSuperuser(h.broker.databaseUrl, (c) =>
    c.query(`SET session_replication_role = replica; UPDATE audit_events SET data = '${JSON.stringify(data)}'::jsonb, hash = '${hash}' WHERE id = ${last.id};`),
  );
  const verify = (await h.api('dave', 'GET', '/api/audit/verify')).body;
  assert.equal(verify.ok, false);
  assert.match(verify.problem, /the tail was rewritten/);
  const offline = await offlineAudit(h);
  assert.equal(offline.code, 1, offline.out);
  assert.match(offline.out, /the tail was rewritten/);
});

test('checkpoints are made by themselves after N events', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_AUDIT_CHECKPOINT_EVENTS: '3', BREAKGLASS_AUDIT_CHECKPOINT_SECONDS: '1' });
  await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const head = await h.prisma.auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
  await h.eventually(
    () => h.prisma.auditCheckpoint.findFirst({ orderBy: { id: 'desc' } }),
    (c) => c !== null && c.eventId >= head.id,
    'an automatic checkpoint',
  );
});
