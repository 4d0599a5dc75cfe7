// Evidence before teardown for `command` and `webhook` hosts: the operator's
// configured capture step. A real capture program for command hosts; for
// webhook hosts a real HTTP receiver (the operator's service, played by the
// test) answering signed capture jobs with signed callbacks or a status URL.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { sign, verify } from '../../src/replacement/providers/webhook-fns.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostReplacedBy, receiver } from './provider-fixtures.js';

const SECRET = 'webhook-secret-webhook-secret-0123456789';

function scratch(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-capture-step-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function touch(h: Harness, host: string): Promise<string> {
  const sessionId = await h.openSession(await h.grant(host, 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  return sessionId;
}

const latest = (h: Harness, hostId: string, status: string) =>
  h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === status,
    `replacement ${status}`,
  );

test('a command host runs its capture program before the replacement: its output is the evidence, a failure holds the teardown', async (t) => {
  const dir = scratch(t);
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' });
  const log = path.join(dir, 'order');
  const replace = ['/bin/sh', '-c', 'echo "replace $HOST_NAME" >> "$0"', log];
  const good = await hostReplacedBy(h, 'cmd-cap-1', {
    provider: 'command',
    argv: replace,
    capture: {
      argv: ['/bin/sh', '-c', 'echo "capture $HOST_NAME" >> "$0"; echo "sessions=$BREAKGLASS_SESSION_IDS"; head -c 300000 /dev/zero | tr "\\0" x', log],
    },
  });
  assert.equal(good.status, 201, JSON.stringify(good.body));
  const bad = await hostReplacedBy(h, 'cmd-cap-2', {
    provider: 'command',
    argv: replace,
    capture: { argv: ['/bin/sh', '-c', 'echo "disk gone" >&2; exit 3'] },
  });
  assert.equal(bad.status, 201, JSON.stringify(bad.body));

  const sessionId = await touch(h, 'cmd-cap-1');
  const done = await latest(h, good.body.id, 'succeeded');
  assert.equal(readFileSync(log, 'utf8'), 'capture cmd-cap-1\nreplace cmd-cap-1\n', 'the capture runs before the teardown');
  assert.deepEqual([done.body[0].capture.status, done.body[0].capture.kind], ['succeeded', 'command-output']);
  const [capture] = (await h.api('alice', 'GET', `/api/sessions/${sessionId}/changes`)).body;
  assert.equal(capture.summary.exitStatus, 0);
  assert.equal(capture.summary.truncated, true);
  assert.equal(capture.summary.bytes, `sessions=${sessionId}\n`.length + 300_000);
  const stdout = capture.items[0];
  assert.equal(stdout.stream, 'stdout');
  assert.ok(stdout.text.startsWith(`sessions=${sessionId}\nxxx`));
  assert.equal(stdout.text.length, 256 * 1024, 'the output is kept up to its bound');
  assert.match(stdout.sha256, /^[0-9a-f]{64}$/);
  const audit = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'capture.succeeded', subjectId: capture.id } });
  assert.ok(!JSON.stringify(audit.data).includes('xxx'), 'the audit trail keeps counts, not contents');

  await touch(h, 'cmd-cap-2');
  const held = await latest(h, bad.body.id, 'failed');
  assert.match(held.body[0].lastError, /evidence capture failed: the capture command \/bin\/sh exited with status 3: disk gone; the teardown is held/);
  assert.equal(held.body[0].capture.status, 'failed');
  assert.equal(readFileSync(log, 'utf8'), 'capture cmd-cap-1\nreplace cmd-cap-1\n', 'the held host was not replaced');
  assert.equal((await h.api('admin', 'GET', `/api/hosts/${bad.body.id}`)).body.state, 'failed');
  const alert = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'capture.failed', subjectId: held.body[0].capture.id } });
  assert.equal((alert.data as { teardown: string }).teardown, 'held');
});

test('capture settings are checked at host creation: 400 with the error shape, nothing stored', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_WEBHOOK_SECRET: SECRET });
  const before = await h.prisma.host.count();
  const audited = await h.prisma.auditEvent.count({ where: { type: { startsWith: 'host.' } } });
  for (const replacement of [
    { provider: 'command', argv: ['/bin/true'], capture: { argv: 'sh -c "tar c /"' } },
    { provider: 'command', argv: ['/bin/true'], capture: { argv: ['tar', 'c', '/'] } },
    { provider: 'command', argv: ['/bin/true'], capture: { argv: ['/bin/true'], token: 'x' } },
    { provider: 'command', argv: ['/bin/true'], capture: true },
    { provider: 'command', argv: ['/bin/true'], captureArgv: ['/bin/true'] },
    { provider: 'webhook', url: 'https://replacer.example/jobs', capture: 'yes' },
  ]) {
    const res = await hostReplacedBy(h, 'cap-bad-1', replacement);
    assert.equal(res.status, 400, JSON.stringify(replacement));
    assert.equal(res.body.error.code, 'validation_error');
    assert.match(res.body.error.message, /capture/i);
  }
  assert.equal(await h.prisma.host.count(), before);
  assert.equal(await h.prisma.auditEvent.count({ where: { type: { startsWith: 'host.' } } }), audited);
});

interface Job {
  phase: 'capture' | 'replace';
  jobId: string;
  replacementId: string;
  callbackUrl: string;
  host: { name: string };
  sessionIds?: string[];
}

test('a webhook host gets a signed capture job before the replace job; the signed callback or the status URL carries the evidence', async (t) => {
  const jobs: Job[] = [];
  const unsigned: string[] = [];
  let h: Harness | undefined;
  const answer = (job: Job, body: object) => {
    const text = JSON.stringify(body);
    return fetch(h!.url + new URL(job.callbackUrl).pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sign(SECRET, text) },
      body: text,
    });
  };
  const evidence = { summary: { files: 1 }, items: [{ path: '/etc/app.conf', text: 'hotfix\n' }] };
  const url = await receiver(t, (req, body, res) => {
    if (req.method === 'GET') {
      const jobId = new URL(req.url!, 'http://x').searchParams.get('job')!;
      const found = jobs.find((j) => j.jobId === jobId);
      const reply = JSON.stringify(
        found?.phase === 'capture' ? { jobId, status: 'succeeded', capture: evidence } : { jobId, status: 'succeeded', instanceId: 'vm-polled' },
      );
      return void res.writeHead(found ? 200 : 404, { 'content-type': 'application/json', ...sign(SECRET, reply) }).end(reply);
    }
    if (verify(SECRET, body, req.headers as Record<string, unknown>)) unsigned.push(body);
    const job = JSON.parse(body) as Job;
    jobs.push(job);
    res.writeHead(202).end();
    if (job.host.name === 'hook-cap-3') return; // answered through its status URL
    setImmediate(async () => {
      if (job.phase === 'replace') return void (await answer(job, { jobId: job.jobId, status: 'succeeded', instanceId: `vm-${job.host.name}` }));
      if (job.host.name === 'hook-cap-2') return void (await answer(job, { jobId: job.jobId, status: 'failed', error: 'snapshot quota reached' }));
      const res1 = await answer(job, { jobId: job.jobId, status: 'succeeded', capture: evidence });
      assert.equal(res1.status, 202);
      const again = await answer(job, { jobId: job.jobId, status: 'succeeded', capture: { items: ['overwritten'] } });
      assert.equal(again.status, 409, 'a capture is received once');
    });
  });
  h = await startHarness(t, { BREAKGLASS_WEBHOOK_SECRET: SECRET, BREAKGLASS_PROVIDER_POLL_MS: '20', BREAKGLASS_REPLACEMENT_RETRIES: '0' });
  const hosts = [];
  for (const [name, extra] of [
    ['hook-cap-1', {}],
    ['hook-cap-2', {}],
    ['hook-cap-3', { statusUrl: `${url}/status` }],
  ] as const) {
    const res = await hostReplacedBy(h, name, { provider: 'webhook', url: `${url}/jobs`, capture: true, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    hosts.push(res.body.id as string);
  }

  const sessionId = await touch(h, 'hook-cap-1');
  const done = await latest(h, hosts[0]!, 'succeeded');
  const mine = jobs.filter((j) => j.host.name === 'hook-cap-1');
  assert.deepEqual(
    mine.map((j) => j.phase),
    ['capture', 'replace'],
  );
  assert.equal(mine[0]!.jobId, `${done.body[0].id}.1.capture`);
  assert.deepEqual(mine[0]!.sessionIds, [sessionId]);
  assert.deepEqual(unsigned, [], 'every job is signed');
  const [capture] = (await h.api('alice', 'GET', `/api/sessions/${sessionId}/changes`)).body;
  assert.deepEqual([capture.kind, capture.status, capture.provider], ['webhook-capture', 'succeeded', 'webhook']);
  assert.deepEqual(capture.items, evidence.items);
  assert.deepEqual(capture.summary, { files: 1, jobId: mine[0]!.jobId });
  assert.deepEqual(capture.sessionIds, [sessionId]);
  const trail = await h.prisma.auditEvent.findMany({ where: { OR: [{ subjectId: done.body[0].id }, { subjectId: capture.id }] }, orderBy: { id: 'asc' } });
  const names = trail.map((e) => (e.data as { step?: string }).step ?? e.type);
  assert.deepEqual(
    names.slice(0, 6),
    ['replacement.scheduled', 'replacement.started', 'webhook.capture_job_issued', 'replacement.callback', 'capture.succeeded', 'webhook.job_issued'],
    'evidence first',
  );
  // The receiver answers the replace job at once: its callback may be stored before the job_sent step.
  assert.deepEqual(names.slice(6).sort(), ['local.rebuilt', 'replacement.callback', 'replacement.succeeded', 'webhook.done', 'webhook.job_sent']);
  assert.ok(!JSON.stringify(trail[3]!.data).includes('hotfix'), 'the callback event keeps the status, not the evidence');
  assert.ok(!JSON.stringify(trail[4]!.data).includes('hotfix'));

  await touch(h, 'hook-cap-2');
  const held = await latest(h, hosts[1]!, 'failed');
  assert.match(held.body[0].lastError, /evidence capture failed: the webhook reports the capture failed: snapshot quota reached; the teardown is held/);
  assert.equal(held.body[0].capture.status, 'failed');
  assert.deepEqual(
    jobs.filter((j) => j.host.name === 'hook-cap-2').map((j) => j.phase),
    ['capture'],
    'no replace job while the teardown is held',
  );
  const alert = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'capture.failed', subjectId: held.body[0].capture.id } });
  assert.equal((alert.data as { teardown: string }).teardown, 'held');

  await touch(h, 'hook-cap-3');
  const polled = await latest(h, hosts[2]!, 'succeeded');
  assert.deepEqual([polled.body[0].capture.status, polled.body[0].capture.kind], ['succeeded', 'webhook-capture']);
  assert.equal((await h.prisma.host.findUniqueOrThrow({ where: { id: hosts[2]! } })).instanceRef, 'vm-polled');
});
