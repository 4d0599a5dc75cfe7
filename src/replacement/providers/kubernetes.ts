// Replacement of a pod-backed host on Kubernetes (@kubernetes/client-node):
// by setting, delete the pod, or cordon, drain (evictions, which respect
// PodDisruptionBudgets) and delete its node, then wait until a new node (one
// not in the cluster before the drain) has joined and is Ready; then wait until the pod's
// controller has a replacement Ready and report it. A pod without a
// controller is refused: nothing would bring it back. Credentials come from
// kubeconfig (KUBECONFIG, ~/.kube/config) or the in-cluster service account.
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Capturer } from '../capture/evidence.js';
import type { NewInstance, ReplaceTarget, ReplacementProvider } from './provider.js';
import { parseKubernetes, type KubernetesSettings } from './settings-fns.js';

export interface KubernetesOptions {
  pollMs?: number;
  /** Attempts of one API call answered 429 or 5xx (apiserver throttling, a restarting control plane). */
  maxAttempts?: number;
  loadConfig?: () => KubeConfig;
}

const LOG_BYTES = 256 * 1024;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function defaultConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

function setup(target: ReplaceTarget, opts: KubernetesOptions) {
  const s = parseKubernetes(target.host.connectorConfig.replacement as Record<string, unknown>);
  const api = (opts.loadConfig ?? defaultConfig)().makeApiClient(CoreV1Api);
  const attempts = opts.maxAttempts ?? 5;
  /** One call, retried with backoff while the apiserver throttles or is unavailable. */
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const code = err instanceof ApiException ? err.code : 0;
        const retryable = code === 429 || code >= 500;
        if (!retryable || attempt >= attempts) throw new Error(`Kubernetes ${what}: ${code ? `HTTP ${code} ` : ''}${messageOf(err)}`);
        const after = Number(err instanceof ApiException ? err.headers['retry-after'] : NaN);
        await pause(Number.isFinite(after) ? Math.min(after, 30) * 1000 : 200 * 2 ** attempt);
      }
    }
  };
  return { s, api, call, pod: target.host.instanceRef ?? s.pod };
}

function messageOf(err: unknown): string {
  const body = err instanceof ApiException ? err.body : undefined;
  const fromBody = typeof body === 'string' ? safeMessage(body) : (body as { message?: string } | undefined)?.message;
  return (fromBody ?? (err as Error).message).slice(0, 300);
}

function safeMessage(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { message?: string }).message;
  } catch {
    return text;
  }
}

const ready = (p: V1Pod) => !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const selectorOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function kubernetesProvider(opts: KubernetesOptions = {}): ReplacementProvider {
  const pollMs = opts.pollMs ?? 5000;
  return {
    name: 'kubernetes',
    async replace(target, ctx): Promise<NewInstance> {
      const { s, api, call, pod: name } = setup(target, opts);
      const namespace = s.namespace;
      const old = await call(`read pod ${namespace}/${name}`, () => api.readNamespacedPod({ name, namespace }));
      const owner = old.metadata?.ownerReferences?.find((o) => o.controller);
      if (!owner) throw new Error(`pod ${namespace}/${name} has no controller: nothing would replace it, so it is not deleted`);
      const deadline = Date.now() + s.timeoutSeconds * 1000;
      if (s.mode === 'node') {
        const before = await call('list nodes', () => api.listNode());
        const known = new Set(before.items.map((n) => n.metadata?.uid));
        const drained = await drainNode(old, s, api, call, ctx);
        await newNodeReady(api, call, known, drained, { deadline, pollMs, timeoutSeconds: s.timeoutSeconds }, ctx);
      } else {
        await call(`delete pod ${namespace}/${name}`, () => api.deleteNamespacedPod({ name, namespace }));
        await ctx?.step('k8s.delete_pod', { namespace, pod: name, controller: `${owner.kind}/${owner.name}` });
      }
      const selector = selectorOf(old.metadata?.labels ?? {});
      for (;;) {
        const list = await call(`list pods in ${namespace}`, () => api.listNamespacedPod({ namespace, labelSelector: selector || undefined }));
        const successors = list.items.filter(
          (p) => p.metadata?.uid !== old.metadata?.uid && p.metadata?.ownerReferences?.some((o) => o.controller && o.uid === owner.uid),
        );
        const next = successors.find(ready);
        if (next) {
          const podName = next.metadata!.name!;
          await ctx?.step('k8s.ready', { namespace, pod: podName, node: next.spec?.nodeName ?? null, podIP: next.status?.podIP ?? null });
          return { instanceId: podName, ...(next.status?.podIP ? { address: next.status.podIP } : {}) };
        }
        if (Date.now() >= deadline) {
          const seen = successors.map((p) => `${p.metadata?.name} ${p.status?.phase ?? 'unknown'}`).join(', ') || 'none created yet';
          throw new Error(
            `no replacement of pod ${namespace}/${name} by ${owner.kind}/${owner.name} became Ready within ${s.timeoutSeconds} s (replacements: ${seen})`,
          );
        }
        await pause(Math.min(pollMs, Math.max(0, deadline - Date.now())));
      }
    },
  };
}

type Call = ReturnType<typeof setup>['call'];

async function drainNode(pod: V1Pod, s: KubernetesSettings, api: CoreV1Api, call: Call, ctx: Parameters<ReplacementProvider['replace']>[1]): Promise<string> {
  const node = pod.spec?.nodeName;
  if (!node) throw new Error(`pod ${s.namespace}/${pod.metadata?.name} is not on a node: there is none to drain`);
  await call(`cordon node ${node}`, () =>
    api.patchNode({ name: node, body: { spec: { unschedulable: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
  );
  await ctx?.step('k8s.cordon', { node });
  const onNode = await call(`list pods on ${node}`, () => api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }));
  const evictable = onNode.items.filter(
    (p) => !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet') && !p.metadata?.annotations?.['kubernetes.io/config.mirror'],
  );
  for (const p of evictable) {
    const name = p.metadata!.name!;
    const namespace = p.metadata!.namespace!;
    await call(`evict pod ${namespace}/${name}`, () =>
      api.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } }),
    );
  }
  await ctx?.step('k8s.drain', { node, evicted: evictable.length });
  await call(`delete node ${node}`, () => api.deleteNode({ name: node }));
  await ctx?.step('k8s.delete_node', { node });
  return node;
}

const nodeReady = (n: V1Node) =>
  !n.metadata?.deletionTimestamp && !n.spec?.unschedulable && (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** After a node is deleted, waits for a node that was not there before the drain to join and be Ready. */
async function newNodeReady(
  api: CoreV1Api,
  call: Call,
  known: Set<string | undefined>,
  deleted: string,
  wait: { deadline: number; pollMs: number; timeoutSeconds: number },
  ctx: Parameters<ReplacementProvider['replace']>[1],
) {
  for (;;) {
    const nodes = await call('list nodes', () => api.listNode());
    const joined = nodes.items.filter((n) => !known.has(n.metadata?.uid));
    const next = joined.find(nodeReady);
    if (next) {
      await ctx?.step('k8s.node_ready', { node: next.metadata?.name ?? null, uid: next.metadata?.uid ?? null, replaces: deleted });
      return;
    }
    if (Date.now() >= wait.deadline) {
      const seen = joined.map((n) => `${n.metadata?.name} not Ready`).join(', ') || 'none joined';
      throw new Error(`no new node became Ready within ${wait.timeoutSeconds} s after node ${deleted} was deleted (new nodes: ${seen})`);
    }
    await pause(Math.min(wait.pollMs, Math.max(0, wait.deadline - Date.now())));
  }
}

/** Evidence for pods: the spec as it ran, and the recent logs of each container. */
export function kubernetesCapturer(opts: KubernetesOptions = {}): Capturer {
  return {
    provider: 'kubernetes',
    async capture(target) {
      const { s, api, call, pod: name } = setup(target, opts);
      const namespace = s.namespace;
      const pod = await call(`read pod ${namespace}/${name}`, () => api.readNamespacedPod({ name, namespace }));
      if (pod.metadata) delete pod.metadata.managedFields;
      const containers = (pod.spec?.containers ?? []).map((c) => c.name);
      const logs = [];
      for (const container of containers) {
        const text =
          s.logLines === 0
            ? ''
            : await call(`read logs of ${namespace}/${name}/${container}`, () =>
                api.readNamespacedPodLog({ name, namespace, container, tailLines: s.logLines, limitBytes: LOG_BYTES }),
              );
        logs.push({ type: 'log', container, lines: s.logLines, text });
      }
      return {
        kind: 'pod',
        summary: {
          namespace,
          pod: name,
          node: pod.spec?.nodeName ?? null,
          phase: pod.status?.phase ?? null,
          containers: containers.length,
          logLines: s.logLines,
        },
        items: [{ type: 'spec', spec: pod }, ...logs],
      };
    },
  };
}
