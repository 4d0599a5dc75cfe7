import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { commandProvider } from '../../src/replacement/providers/command.js';
import type { ReplaceTarget } from '../../src/replacement/providers/provider.js';
import { startHarness } from '../helpers/harness.js';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const target = (replacement: unknown): ReplaceTarget => ({
  host: { id: 'h-1', name: 'db-7', environment: 'production', instance: 3, connectorConfig: { address: '10.0.0.7', port: 22, login: 'ops', replacement } },
  image: { name: 'db-base', version: '2026.11.1', source: 'ami-123' },
});

test('the command runs without a shell, with the host described in HOST_* variables', async (t) => {
  const dir = scratch(t);
  await commandProvider().replace(
    target({ provider: 'command', argv: ['/bin/sh', '-c', 'env > "$0"; printf %s "$1" > "$0.arg"', `${dir}/env`, `$(touch ${dir}/injected)`] }),
  );
  const env = Object.fromEntries(
    readFileSync(`${dir}/env`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
  assert.equal(env.HOST_NAME, 'db-7');
  assert.equal(env.HOST_ID, 'h-1');
  assert.equal(env.HOST_ENVIRONMENT, 'production');
  assert.equal(env.HOST_INSTANCE, '3');
  assert.equal(env.HOST_NEXT_INSTANCE, '4');
  assert.equal(env.HOST_ADDRESS, '10.0.0.7');
  assert.equal(env.HOST_IMAGE_SOURCE, 'ami-123');
  assert.equal(env.DATABASE_URL, undefined, "the broker's own environment is not passed on");
  assert.equal(readFileSync(`${dir}/env.arg`, 'utf8'), `$(touch ${dir}/injected)`, 'arguments are passed as they are');
  assert.equal(existsSync(`${dir}/injected`), false);
});

test('a non-zero exit, a timeout or a missing command is a failed attempt', async () => {
  const provider = commandProvider();
  await assert.rejects(
    provider.replace(target({ provider: 'command', argv: ['/bin/sh', '-c', 'echo "quota exceeded" >&2; exit 3'] })),
    /exited with status 3: quota exceeded/,
  );
  await assert.rejects(provider.replace(target({ provider: 'command', argv: ['/bin/sleep', '30'], timeoutSeconds: 1 })), /timed out after 1 s/);
  await assert.rejects(provider.replace(target({ provider: 'command', argv: ['/nonexistent/replace'] })), /could not run/);
  await assert.rejects(provider.replace(target(undefined)), /replacement.argv/);
});

test('a failing replacement command is retried, then the host is marked failed; a working one replaces the host', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '1' });
  const dir = scratch(t);
  const imageId = (await h.prisma.image.findFirstOrThrow({ where: { name: 'web-base' } })).id;
  const make = async (name: string, argv: string[]) => {
    const res = await h.api('admin', 'POST', '/api/hosts', {
      name,
      environment: 'staging',
      imageId,
      connector: 'local',
      connectorConfig: { replacement: { provider: 'command', argv } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const good = await make('cmd-good-1', ['/bin/sh', '-c', 'echo "$HOST_NAME $HOST_NEXT_INSTANCE" >> "$0"', `${dir}/replaced`]);
  const bad = await make('cmd-bad-1', ['/bin/sh', '-c', 'echo "$HOST_NAME" >> "$0"; echo "no capacity" >&2; exit 1', `${dir}/attempts`]);
  for (const name of ['cmd-good-1', 'cmd-bad-1']) {
    const sessionId = await h.openSession(await h.grant(name, 15, 'alice', ['bob']));
    const term = await h.attach(sessionId);
    term.send('exit\n');
    await term.waitForExit();
  }
  const host = (id: string) => h.api('admin', 'GET', `/api/hosts/${id}`).then((r) => r.body);
  await h.eventually(
    () => host(good),
    (x) => x.state === 'healthy' && x.instance === 2,
    'the good host to be replaced',
  );
  assert.equal(readFileSync(`${dir}/replaced`, 'utf8'), 'cmd-good-1 2\n');
  await h.eventually(
    () => host(bad),
    (x) => x.state === 'failed',
    'the bad host to be marked failed',
    30_000,
  );
  assert.equal(readFileSync(`${dir}/attempts`, 'utf8'), 'cmd-bad-1\ncmd-bad-1\n', 'one try and one retry');
  const replacements = await h.api('admin', 'GET', `/api/replacements?hostId=${bad}`);
  assert.equal(replacements.body[0].status, 'failed');
  assert.match(replacements.body[0].lastError, /exited with status 1: no capacity/);
});
