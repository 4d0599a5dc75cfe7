// The first admin of a real deployment: `npm run admin -- create-user` against
// the configured database, on an empty database, then a login as that admin.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as nodePty from 'node-pty';
import { freshDatabase, tempDataDir } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'correct horse battery staple';

/** Runs the admin CLI as `npm run admin` does, with `stdin` piped in; env is the whole environment it sees. */
function admin(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/users/admin-cli.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

async function logIn(url: string, username: string, password: string) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as { user: { username: string; roles: string[] } } };
}

test('the first admin is created on an empty database without the demo, and logs in', async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: await freshDatabase(), BREAKGLASS_DATA_DIR: dataDir, BREAKGLASS_DEMO: '0' };

  const weak = await admin(['create-user', 'root-admin', '--role', 'admin'], env, 'short\n');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /at least 12 characters/);
  const noRole = await admin(['create-user', 'root-admin'], env, `${PASSWORD}\n`);
  assert.equal(noRole.code, 64);

  const created = await admin(['create-user', 'root-admin', '--role', 'admin', '--email', 'ops@example.com'], env, `${PASSWORD}\n`);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created root-admin \(local\): admin/);
  const again = await admin(['create-user', 'root-admin', '--role', 'admin'], env, `${PASSWORD}\n`);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);

  const h = await startHarness(t, env);
  assert.equal(await h.prisma.host.count(), 0, 'no demo data');
  const login = await logIn(h.url, 'root-admin', PASSWORD);
  assert.equal(login.status, 200);
  assert.deepEqual(login.body.user.roles, ['admin']);
  const listed = await h.api(undefined, 'GET', '/api/users', undefined, { authorization: `Bearer ${(login.body as unknown as { token: string }).token}` });
  assert.deepEqual(
    listed.body.map((u: { username: string; email: string }) => [u.username, u.email]),
    [['root-admin', 'ops@example.com']],
  );
  const [event] = await h.prisma.auditEvent.findMany({ where: { type: 'user.created' } });
  assert.deepEqual(event!.data, { username: 'root-admin', roles: ['admin'], email: 'ops@example.com', source: 'local', via: 'cli' });
  const everything = JSON.stringify(await h.prisma.auditEvent.findMany({ select: { data: true } }));
  assert.ok(!everything.includes(PASSWORD) && !everything.includes('short'), 'no password in the audit trail');
});

test('the admin CLI uses the embedded Postgres under the data dir when no DATABASE_URL is set, as the server does', async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { BREAKGLASS_DATA_DIR: dataDir, BREAKGLASS_DEMO: '0' };
  const created = await admin(['create-user', 'first', '--role', 'admin', '--role', 'auditor'], env, `${PASSWORD}\n`);
  assert.equal(created.code, 0, created.stderr);
  const reset = await admin(['reset-password', 'first'], env, 'another long password\n');
  assert.equal(reset.code, 0, reset.stderr);

  const h = await startHarness(t, { ...env, DATABASE_URL: '' });
  assert.equal(h.broker.databaseUrl.includes('127.0.0.1'), true);
  assert.equal((await logIn(h.url, 'first', PASSWORD)).status, 401);
  const login = await logIn(h.url, 'first', 'another long password');
  assert.equal(login.status, 200);
  assert.deepEqual(login.body.user.roles, ['auditor', 'admin']);
});

test('at a terminal the password is asked twice and never echoed', async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: await freshDatabase(), BREAKGLASS_DATA_DIR: dataDir, BREAKGLASS_DEMO: '0' };
  const pty = nodePty.spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/users/admin-cli.ts'), 'create-user', 'tty-admin', '--role', 'admin'], {
    cwd: root,
    cols: 100,
    rows: 30,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...env },
  });
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  pty.onData((d) => {
    output += d;
    for (const w of waiters.filter((w) => output.includes(w.text))) w.resolve();
  });
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  t.after(() => {
    try {
      pty.kill();
    } catch {
      /* already gone */
    }
  });
  const seen = (text: string) => new Promise<void>((resolve) => (output.includes(text) ? resolve() : waiters.push({ text, resolve })));
  await seen('New password: ');
  pty.write(`${PASSWORD}\r`);
  await seen('Again: ');
  pty.write(`${PASSWORD}\r`);
  assert.equal(await exited, 0, output);
  assert.match(output, /created tty-admin \(local\): admin/);
  assert.ok(!output.includes(PASSWORD), 'the password is not echoed');
});
