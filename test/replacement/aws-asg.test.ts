// The aws-asg provider with the real AWS SDK v3 against a local STAND-IN for
// the Auto Scaling and EC2 APIs (test/replacement/aws-stand-in.ts): requests
// are signed with the credentials of the standard chain (environment here),
// a throttled call is retried by the SDK, pagination is followed.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { awsAsgProvider } from '../../src/replacement/providers/aws-asg.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostReplacedBy } from './provider-fixtures.js';
import { AwsStandIn } from './aws-stand-in.js';

async function standIn(t: TestContext): Promise<AwsStandIn> {
  const aws = new AwsStandIn('web-asg');
  aws.add({ id: 'i-0aaaaaaaaaaaaaaaa', state: 'InService', health: 'Healthy', ip: '10.0.0.5', volumes: ['vol-root', 'vol-data'] });
  aws.add({ id: 'i-0bbbbbbbbbbbbbbbb', state: 'InService', health: 'Healthy', ip: '10.0.0.6', volumes: ['vol-peer'] });
  const url = await aws.start();
  // The SDK's own configuration: credentials from the environment, the endpoint from AWS_ENDPOINT_URL.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  t.after(() => aws.stop());
  return aws;
}

const awsHost = (h: Harness, name: string, settings: Record<string, unknown> = {}) =>
  hostReplacedBy(h, name, { provider: 'aws-asg', region: 'eu-west-1', autoScalingGroup: 'web-asg', instanceId: 'i-0aaaaaaaaaaaaaaaa', ...settings });

test('aws-asg settings are validated when the host is created, and never hold credentials', async (t) => {
  const h = await startHarness(t);
  for (const [settings, message] of [
    [{ region: 'mars' }, /region/],
    [{ instanceId: 'web-1' }, /instanceId/],
    [{ accessKeyId: 'AKIA…', secretAccessKey: 'x' }, /has no settings accessKeyId, secretAccessKey/],
    [{ timeoutSeconds: 0 }, /timeoutSeconds/],
  ] as const) {
    const res = await awsHost(h, 'aws-bad-1', settings);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.message, message);
  }
  assert.equal(await h.prisma.host.count({ where: { name: 'aws-bad-1' } }), 0);
  const ok = await awsHost(h, 'aws-ok-1');
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.connectorConfig.replacement, {
    provider: 'aws-asg',
    region: 'eu-west-1',
    autoScalingGroup: 'web-asg',
    instanceId: 'i-0aaaaaaaaaaaaaaaa',
    healthCheck: true,
    snapshot: true,
    address: 'private',
    timeoutSeconds: 900,
  });
});

test('a touched EC2 host: volumes snapshotted and tagged, instance terminated without lowering capacity, the new InService instance recorded', async (t) => {
  const aws = await standIn(t);
  aws.throttleOnce.add('DescribeAutoScalingGroups');
  aws.throttleOnce.add('CreateSnapshot');
  const h = await startHarness(t, {}, { providers: [awsAsgProvider({ pollMs: 20 })] });
  const created = await awsHost(h, 'aws-web-1');
  assert.equal(created.status, 201);
  const hostId = created.body.id;
  const sessionId = await h.openSession(await h.grant('aws-web-1', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('exit\n');
  await term.waitForExit();

  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => ['succeeded', 'failed'].includes(r.body[0]?.status),
    'replacement',
  );
  assert.equal(done.body[0].status, 'succeeded', done.body[0].lastError);
  const terminate = aws.calls.filter((c) => c.action === 'TerminateInstanceInAutoScalingGroup');
  assert.equal(terminate.length, 1);
  assert.equal(terminate[0]!.params.get('InstanceId'), 'i-0aaaaaaaaaaaaaaaa');
  assert.equal(terminate[0]!.params.get('ShouldDecrementDesiredCapacity'), 'false');
  assert.ok(
    aws.calls.every((c) => /^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN\/\d{8}\/eu-west-1\/(autoscaling|ec2)\/aws4_request/.test(c.authorization)),
    'every call is signed',
  );
  assert.ok(aws.calls.filter((c) => c.action === 'DescribeAutoScalingGroups').length >= 4, 'throttled once, retried, and both pages read');
  assert.ok(aws.calls.some((c) => c.action === 'DescribeAutoScalingGroups' && c.params.get('NextToken') === 'page-2'));

  const successor = [...aws.instances.values()].find((i) => i.volumes[0] === 'vol-new')!;
  const host = await h.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
  assert.equal(host.instanceRef, successor.id);
  assert.equal(host.address, successor.ip);
  assert.equal(host.state, 'healthy');

  // Evidence first: both volumes of the old instance, tagged with who touched it.
  assert.deepEqual(
    aws.snapshots.map((s) => s.volumeId),
    ['vol-root', 'vol-data'],
  );
  const request = await h.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
  assert.equal(aws.snapshots[0]!.tags['breakglass:sessions'], sessionId);
  assert.equal(aws.snapshots[0]!.tags['breakglass:requests'], request.requestId);
  assert.equal(aws.snapshots[0]!.tags['breakglass:replacement'], done.body[0].id);
  const firstSnapshot = aws.calls.findIndex((c) => c.action === 'CreateSnapshot');
  assert.ok(firstSnapshot < aws.calls.findIndex((c) => c.action === 'TerminateInstanceInAutoScalingGroup'), 'snapshots are taken before the teardown');
  const changes = await h.api('alice', 'GET', `/api/sessions/${sessionId}/changes`);
  assert.equal(changes.body[0].kind, 'ebs-snapshots');
  assert.deepEqual(
    changes.body[0].items.map((i: { snapshotId: string }) => i.snapshotId),
    ['snap-1', 'snap-2'],
  );

  const steps = await h.prisma.auditEvent.findMany({ where: { subjectId: done.body[0].id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((e) => (e.type === 'replacement.step' ? (e.data as { step: string }).step : e.type)),
    ['replacement.scheduled', 'replacement.started', 'aws.terminate', 'aws.in_service', 'local.rebuilt', 'replacement.succeeded'],
  );
  assert.equal((steps.at(-1)!.data as { instanceId: string }).instanceId, successor.id);

  // The next replacement starts from the recorded instance.
  const again = await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`);
  assert.equal(again.status, 202);
  await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'succeeded',
    'second replacement',
  );
  assert.equal(
    aws.calls
      .filter((c) => c.action === 'TerminateInstanceInAutoScalingGroup')
      .at(-1)!
      .params.get('InstanceId'),
    successor.id,
  );
});

test('an instance that never becomes InService fails the replacement after its timeout, and the host is left failed', async (t) => {
  const aws = await standIn(t);
  aws.launchAfterDescribes = Infinity;
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '1' }, { providers: [awsAsgProvider({ pollMs: 20 })] });
  const created = await awsHost(h, 'aws-web-2', { timeoutSeconds: 1, snapshot: false });
  const hostId = created.body.id;
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`)).status, 202);
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'failed',
    'failure',
    60_000,
  );
  assert.match(failed.body[0].lastError, /no new instance became InService and Healthy in web-asg within 1 s \(new instances: i-\w+ Pending\/Healthy\)/);
  assert.equal(failed.body[0].attempts, 2);
  // The retry did not terminate a second instance: it waited for the first one's successor.
  assert.equal(aws.calls.filter((c) => c.action === 'TerminateInstanceInAutoScalingGroup').length, 1);
  const steps = await h.prisma.auditEvent.findMany({ where: { subjectId: failed.body[0].id, type: 'replacement.step' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((e) => (e.data as { step: string }).step),
    ['aws.terminate', 'aws.already_terminated'],
  );
  assert.equal((await h.api('admin', 'GET', `/api/hosts/${hostId}`)).body.state, 'failed');
});
