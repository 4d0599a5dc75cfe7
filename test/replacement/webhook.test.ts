// The webhook provider against a real HTTP receiver (the operator's own
// replacement service, played by the test): signed jobs, signed callbacks
// and status answers; a forged or replayed callback is refused and alerted.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hostDirectory } from '../../src/hosts/local-hosts.js';
import { sign, verify } from '../../src/replacement/providers/webhook-fns.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostReplacedBy, receiver } from './provider-fixtures.js';

const SECRET = 'webhook-secret-webhook-secret-0123456789';
const ENV = { BREAKGLASS_WEBHOOK_SECRET: SECRET, BREAKGLASS_PROVIDER_POLL_MS: '20', BREAKGLASS_REPLACEMENT_RETRIES: '0' };

interface Job {
  jobId: string;
  replacementId: string;
  callbackUrl: string;
  host: { name: string };
}

const webhookHost = (h: Harness, name: string, replacement: Record<string, unknown>) => hostReplacedBy(h, name, { provider: 'webhook', ...replacement });

const callback = (h: Harness, job: Job, body: object, headers: Record<string, string>) =>
  fetch(h.url + new URL(job.callbackUrl).pathname, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('a signed job is answered by a signed callback; forged and replayed callbacks are refused and alerted', async (t) => {
  const jobs: Job[] = [];
  let jobVerified: string | undefined = 'not received';
  const url = await receiver(t, (req, body, res) => {
    jobVerified = verify(SECRET, body, req.headers as Record<string, unknown>);
    jobs.push(JSON.parse(body));
    res.writeHead(202).end();
  });
  const h = await startHarness(t, ENV);
  const created = await webhookHost(h, 'hook-1', { url: `${url}/replace`, timeoutSeconds: 120 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${created.body.id}/replace`)).status, 202);
  const job = (await h.eventually(
    async () => jobs[0],
    (j) => j !== undefined,
    'the job',
  ))!;
  assert.equal(jobVerified, undefined, 'the job is signed with the shared secret');
  assert.equal(job.host.name, 'hook-1');

  const result = { jobId: job.jobId, status: 'succeeded', instanceId: 'vm-42', address: '10.9.0.42' };
  const forged = await callback(h, job, result, sign('another-secret-another-secret-0123456789', JSON.stringify(result)));
  assert.equal(forged.status, 401);
  assert.equal((await forged.json()).error.code, 'bad_signature');
  const replayed = await callback(h, job, result, sign(SECRET, JSON.stringify(result), Date.now() - 3600_000));
  assert.equal(replayed.status, 401);
  const unsigned = await callback(h, job, result, {});
  assert.equal(unsigned.status, 401);
  const refused = await h.prisma.auditEvent.findMany({ where: { type: 'replacement.callback_refused', subjectId: job.replacementId } });
  assert.deepEqual(
    refused.map((e) => (e.data as { reason: string }).reason),
    ['bad signature', 'timestamp too old or in the future', 'missing signature or timestamp'],
  );
  assert.equal((await h.api('admin', 'GET', `/api/replacements?hostId=${created.body.id}`)).body[0].status, 'running', 'a refused callback changes nothing');

  const stale = { ...result, jobId: `${job.replacementId}.7` };
  assert.equal((await callback(h, job, stale, sign(SECRET, JSON.stringify(stale)))).status, 409);
  const uninvited = { jobId: `${job.jobId}.capture`, status: 'succeeded', capture: { items: ['planted'] } };
  assert.equal((await callback(h, job, uninvited, sign(SECRET, JSON.stringify(uninvited)))).status, 409, 'no capture job was sent for this host');
  assert.equal(await h.prisma.capture.count({ where: { replacementId: job.replacementId } }), 0);
  // What a session left in the local host's directory must not reach the next requester.
  const leftover = path.join(hostDirectory(h.dataDir, 'hook-1'), 'left-by-a-session');
  writeFileSync(leftover, 'bash history of the last requester\n');
  const good = await callback(h, job, result, sign(SECRET, JSON.stringify(result)));
  assert.equal(good.status, 202);
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${created.body.id}`),
    (r) => r.body[0]?.status === 'succeeded',
    'replacement',
  );
  assert.equal(done.body[0].attempts, 1);
  const host = await h.prisma.host.findUniqueOrThrow({ where: { id: created.body.id } });
  assert.deepEqual([host.instanceRef, host.address], ['vm-42', '10.9.0.42']);
  assert.equal(existsSync(leftover), false, "the local host's directory is rebuilt from its image too");
  const steps = await h.prisma.auditEvent.findMany({
    where: { subjectId: job.replacementId, type: { in: ['replacement.step', 'replacement.callback'] } },
    orderBy: { id: 'asc' },
  });
  assert.deepEqual(
    steps.map((e) => (e.data as { step?: string }).step ?? e.type),
    ['webhook.job_issued', 'webhook.job_sent', 'replacement.callback', 'webhook.done', 'local.rebuilt'],
  );
});

test('a result for a job not yet sent is refused: a forged early answer cannot name the new instance', async (t) => {
  const jobs: Job[] = [];
  const url = await receiver(t, (_req, body, res) => {
    jobs.push(JSON.parse(body));
    res.writeHead(202).end();
  });
  const h = await startHarness(t, ENV);
  const created = await webhookHost(h, 'hook-early-1', { url: `${url}/replace`, timeoutSeconds: 120, capture: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await h.prisma.host.update({ where: { id: created.body.id }, data: { taintedAt: new Date() } });
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${created.body.id}/replace`)).status, 202);
  // The capture job is out; the replace job is not sent until its answer.
  const capture = (await h.eventually(
    async () => jobs[0],
    (j) => j !== undefined,
    'the capture job',
  ))!;
  const early = { jobId: `${capture.replacementId}.1`, status: 'succeeded', instanceId: 'i-evil', address: '10.6.6.6' };
  const res = await callback(h, capture, early, sign(SECRET, JSON.stringify(early)));
  assert.equal(res.status, 409);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'stale_job');
  assert.equal(await h.prisma.auditEvent.count({ where: { type: 'replacement.callback', subjectId: capture.replacementId } }), 0, 'nothing taken');
  assert.deepEqual(
    jobs.map((j) => j.jobId),
    [`${capture.replacementId}.1.capture`],
  );
});

test('with a status URL the result is polled, and an unsigned answer is refused', async (t) => {
  let polls = 0;
  let forge = false;
  const url = await receiver(t, (req, _body, res) => {
    if (req.method === 'POST') return void res.writeHead(202).end();
    const jobId = new URL(req.url!, 'http://x').searchParams.get('job')!;
    const answer = JSON.stringify(++polls < 3 ? { jobId, status: 'running' } : { jobId, status: 'succeeded', instanceId: 'vm-7' });
    res.writeHead(200, { 'content-type': 'application/json', ...(forge ? {} : sign(SECRET, answer)) }).end(answer);
  });
  const h = await startHarness(t, ENV);
  const polled = (await webhookHost(h, 'hook-2', { url: `${url}/replace`, statusUrl: `${url}/status` })).body.id;
  await h.api('admin', 'POST', `/api/hosts/${polled}/replace`);
  await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${polled}`),
    (r) => r.body[0]?.status === 'succeeded',
    'polled replacement',
  );
  assert.equal((await h.prisma.host.findUniqueOrThrow({ where: { id: polled } })).instanceRef, 'vm-7');

  forge = true;
  polls = 10;
  await h.api('admin', 'POST', `/api/hosts/${polled}/replace`);
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${polled}`),
    (r) => r.body[0]?.status === 'failed',
    'refused answer',
  );
  assert.match(failed.body[0].lastError, /the status URL's answer was refused: missing signature/);
});

test('without BREAKGLASS_WEBHOOK_SECRET there is no webhook provider, and settings are checked', async (t) => {
  const h = await startHarness(t);
  const res = await webhookHost(h, 'hook-3', { url: 'https://replacer.example/jobs' });
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /provider must be one of/);
  const h2 = await startHarness(t, ENV);
  for (const bad of [{ url: 'ftp://x/y' }, { url: 'https://user:pw@x/y' }, { url: 'https://x/y', secret: 'nope' }]) {
    assert.equal((await webhookHost(h2, 'hook-4', bad)).status, 400, JSON.stringify(bad));
  }
});
