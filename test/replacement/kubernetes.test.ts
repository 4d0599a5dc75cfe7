// The kubernetes provider with the real @kubernetes/client-node, configured
// from a kubeconfig file (KUBECONFIG), against a local STAND-IN for the
// Kubernetes API server (test/replacement/kubernetes-stand-in.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { kubernetesProvider } from '../../src/replacement/providers/kubernetes.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hostReplacedBy } from './provider-fixtures.js';
import { KubernetesStandIn } from './kubernetes-stand-in.js';

async function standIn(t: TestContext): Promise<KubernetesStandIn> {
  const k8s = new KubernetesStandIn();
  const server = await k8s.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-kube-'));
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'stand-in',
      // Plain HTTP to the stand-in: the client refuses it unless TLS verification is explicitly off.
      clusters: [{ name: 'stand-in', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'breakglass', user: { token: 'stand-in-token' } }],
      contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'breakglass' } }],
    }),
  );
  process.env.KUBECONFIG = kubeconfig;
  t.after(async () => {
    await k8s.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return k8s;
}

const podHost = (h: Harness, name: string, settings: Record<string, unknown>) =>
  hostReplacedBy(h, name, { provider: 'kubernetes', namespace: 'shop', pod: 'web-5d8f-abcde', ...settings });

async function touch(h: Harness, host: string): Promise<string> {
  const sessionId = await h.openSession(await h.grant(host, 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('exit\n');
  await term.waitForExit();
  return sessionId;
}

test('kubernetes settings are validated when the host is created', async (t) => {
  const h = await startHarness(t);
  for (const [settings, message] of [
    [{ namespace: 'Shop!' }, /namespace/],
    [{ mode: 'reboot' }, /mode/],
    [{ token: 'x' }, /has no settings token/],
    [{ pod: undefined }, /pod/],
  ] as const) {
    const res = await podHost(h, 'k8s-bad-1', settings);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.message, message);
  }
  assert.equal((await podHost(h, 'k8s-ok-1', {})).status, 201);
});

test("a touched pod: spec and logs captured, the pod deleted, its controller's Ready replacement recorded", async (t) => {
  const k8s = await standIn(t);
  k8s.pod('shop', 'web-5d8f-abcde');
  k8s.throttleOnce.add('GET /api/v1/namespaces/shop/pods');
  const h = await startHarness(t, {}, { providers: [kubernetesProvider({ pollMs: 20 })] });
  const hostId = (await podHost(h, 'k8s-web-1', { logLines: 50 })).body.id;
  const sessionId = await touch(h, 'k8s-web-1');
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => ['succeeded', 'failed'].includes(r.body[0]?.status),
    'replacement',
  );
  assert.equal(done.body[0].status, 'succeeded', done.body[0].lastError);

  assert.ok(
    k8s.requests.every((r) => r.authorization === 'Bearer stand-in-token'),
    "the kubeconfig's credentials are used",
  );
  const deletes = k8s.requests.filter((r) => r.method === 'DELETE');
  assert.deepEqual(
    deletes.map((r) => r.path),
    ['/api/v1/namespaces/shop/pods/web-5d8f-abcde'],
  );
  assert.ok(k8s.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/shop/pods').length >= 3, 'a throttled list is retried');
  const successor = [...k8s.pods.values()][0]!;
  const host = await h.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
  assert.equal(host.instanceRef, successor.metadata.name);
  assert.equal(host.address, successor.status.podIP);

  const [capture] = (await h.api('dave', 'GET', `/api/sessions/${sessionId}/changes`)).body;
  assert.equal(capture.kind, 'pod');
  assert.deepEqual(capture.summary, { namespace: 'shop', pod: 'web-5d8f-abcde', node: 'node-a', phase: 'Running', containers: 2, logLines: 50 });
  assert.equal(capture.items[0].spec.metadata.managedFields, undefined);
  assert.deepEqual(
    capture.items.slice(1).map((i: { container: string; text: string }) => [i.container, i.text.split('\n')[0]]),
    [
      ['app', 'log of app (tail 50)'],
      ['sidecar', 'log of sidecar (tail 50)'],
    ],
  );
  const firstLog = k8s.requests.findIndex((r) => r.path.endsWith('/log'));
  assert.ok(firstLog < k8s.requests.findIndex((r) => r.method === 'DELETE'), 'the evidence is read before the pod is deleted');

  const steps = await h.prisma.auditEvent.findMany({ where: { subjectId: done.body[0].id, type: 'replacement.step' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((e) => (e.data as { step: string }).step),
    ['k8s.delete_pod', 'k8s.ready', 'local.rebuilt'],
  );
});

test('a replacement pod stuck Pending fails the replacement after its timeout', async (t) => {
  const k8s = await standIn(t);
  k8s.pod('shop', 'web-5d8f-abcde');
  k8s.readyAfterLists = Infinity;
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' }, { providers: [kubernetesProvider({ pollMs: 20 })] });
  const hostId = (await podHost(h, 'k8s-web-2', { timeoutSeconds: 1 })).body.id;
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`)).status, 202);
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'failed',
    'failure',
  );
  assert.match(
    failed.body[0].lastError,
    /no replacement of pod shop\/web-5d8f-abcde by ReplicaSet\/web-5d8f became Ready within 1 s \(replacements: web-5d8f-\w+ Pending\)/,
  );
  assert.equal((await h.api('admin', 'GET', `/api/hosts/${hostId}`)).body.state, 'failed');
});

test('node mode cordons, drains (DaemonSet pods stay) and deletes the node, then waits for the replacement', async (t) => {
  const k8s = await standIn(t);
  k8s.pod('shop', 'web-5d8f-abcde', { node: 'node-a' });
  k8s.pod('kube-system', 'fluentd-x', { node: 'node-a', owner: { kind: 'DaemonSet', name: 'fluentd', uid: 'ds-1' }, labels: { app: 'fluentd' } });
  k8s.pod('shop', 'other-node-pod', { node: 'node-c', labels: { app: 'other' } });
  k8s.newNodeReadyAfterLists = 3;
  const h = await startHarness(t, {}, { providers: [kubernetesProvider({ pollMs: 20 })] });
  const hostId = (await podHost(h, 'k8s-web-3', { mode: 'node' })).body.id;
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`)).status, 202);
  const done = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => ['succeeded', 'failed'].includes(r.body[0]?.status),
    'replacement',
  );
  assert.equal(done.body[0].status, 'succeeded', done.body[0].lastError);
  const patch = k8s.requests.find((r) => r.method === 'PATCH')!;
  assert.equal(patch.path, '/api/v1/nodes/node-a');
  assert.equal(patch.contentType, 'application/merge-patch+json');
  assert.deepEqual(patch.body, { spec: { unschedulable: true } });
  assert.deepEqual(
    k8s.requests.filter((r) => r.path.endsWith('/eviction')).map((r) => r.path),
    ['/api/v1/namespaces/shop/pods/web-5d8f-abcde/eviction'],
  );
  assert.deepEqual(k8s.deletedNodes, ['node-a']);
  const steps = await h.prisma.auditEvent.findMany({ where: { subjectId: done.body[0].id, type: 'replacement.step' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    steps.map((e) => (e.data as { step: string }).step),
    ['k8s.cordon', 'k8s.drain', 'k8s.delete_node', 'k8s.node_ready', 'k8s.ready', 'local.rebuilt'],
  );
  // The node that joined after the delete (NotReady first), not one that was there before the drain.
  const joined = steps[3]!.data as { node: string; replaces: string };
  assert.match(joined.node, /^node-new-/);
  assert.equal(joined.replaces, 'node-a');
  assert.ok(k8s.requests.filter((r) => r.path === '/api/v1/nodes').length >= 4, 'it listed nodes until the new one was Ready');
});

test('node mode: a deleted node that no new node replaces fails the replacement after its timeout, audited', async (t) => {
  const k8s = await standIn(t);
  k8s.pod('shop', 'web-5d8f-abcde', { node: 'node-a' });
  k8s.newNodeReadyAfterLists = Infinity;
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' }, { providers: [kubernetesProvider({ pollMs: 20 })] });
  const hostId = (await podHost(h, 'k8s-web-5', { mode: 'node', timeoutSeconds: 1 })).body.id;
  assert.equal((await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`)).status, 202);
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'failed',
    'failure',
  );
  assert.match(failed.body[0].lastError, /no new node became Ready within 1 s after node node-a was deleted \(new nodes: none joined\)/);
  assert.equal((await h.api('admin', 'GET', `/api/hosts/${hostId}`)).body.state, 'failed');
  const trail = await h.prisma.auditEvent.findMany({ where: { subjectId: failed.body[0].id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    trail.map((e) => (e.data as { step?: string }).step ?? e.type),
    ['replacement.requested', 'replacement.started', 'k8s.cordon', 'k8s.drain', 'k8s.delete_node', 'replacement.failed'],
  );
  assert.match((trail.at(-1)!.data as { error: string }).error, /no new node became Ready/);
});

test('a pod without a controller is not deleted: nothing would replace it', async (t) => {
  const k8s = await standIn(t);
  k8s.pod('shop', 'web-5d8f-abcde', { owner: null });
  const h = await startHarness(t, { BREAKGLASS_REPLACEMENT_RETRIES: '0' }, { providers: [kubernetesProvider({ pollMs: 20 })] });
  const hostId = (await podHost(h, 'k8s-web-4', {})).body.id;
  await h.api('admin', 'POST', `/api/hosts/${hostId}/replace`);
  const failed = await h.eventually(
    () => h.api('admin', 'GET', `/api/replacements?hostId=${hostId}`),
    (r) => r.body[0]?.status === 'failed',
    'failure',
  );
  assert.match(failed.body[0].lastError, /has no controller/);
  assert.equal(k8s.requests.filter((r) => r.method === 'DELETE').length, 0);
});
