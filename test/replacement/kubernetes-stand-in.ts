// A STAND-IN for a Kubernetes API server, not Kubernetes: a local HTTP server
// speaking the few REST calls of the kubernetes provider (pods, pod logs,
// evictions, nodes) to the real @kubernetes/client-node. It plays the
// ReplicaSet controller too: a deleted or evicted pod is followed by a new one
// that becomes Ready after a few list calls (or never: a pod stuck Pending).
// It plays the cluster autoscaler too: a deleted node is followed by a new
// node that joins NotReady and is Ready after a few node lists (or never joins).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string;
  contentType: string;
  body: unknown;
}

type Pod = Record<string, any>;

export class KubernetesStandIn {
  readonly requests: Request[] = [];
  readonly pods = new Map<string, Pod>();
  readonly deletedNodes: string[] = [];
  /** The cluster's nodes: three Ready ones to begin with. */
  readonly nodes = new Map<string, Pod>(['node-a', 'node-b', 'node-c'].map((name) => [name, this.nodeObject(name, true)]));
  /** A deleted node's successor joins at the next node list and is Ready after this many more (never joins when Infinity). */
  newNodeReadyAfterLists = 1;
  private pendingNodes: { name: string; listsLeft: number }[] = [];
  /** A successor pod becomes Ready after this many pod lists (never when Infinity). */
  readyAfterLists = 1;
  /** Paths answered 429 once each (the apiserver's throttling). */
  throttleOnce = new Set<string>();
  private server: Server | undefined;
  private pending: { key: string; listsLeft: number }[] = [];
  private n = 0;

  pod(
    namespace: string,
    name: string,
    opts: { node?: string; owner?: { kind: string; name: string; uid: string } | null; labels?: Record<string, string> } = {},
  ): Pod {
    const owner = opts.owner === undefined ? { kind: 'ReplicaSet', name: 'web-5d8f', uid: 'rs-uid-1' } : opts.owner;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        uid: randomUUID(),
        labels: opts.labels ?? { app: 'web', 'pod-template-hash': '5d8f' },
        ownerReferences: owner ? [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: owner.uid, controller: true }] : [],
        managedFields: [{ manager: 'kubelet' }],
      },
      spec: {
        nodeName: opts.node ?? 'node-a',
        containers: [
          { name: 'app', image: 'web:2026.11.1' },
          { name: 'sidecar', image: 'proxy:1' },
        ],
      },
      status: { phase: 'Running', podIP: `10.1.0.${++this.n}`, conditions: [{ type: 'Ready', status: 'True' }] },
    };
    this.pods.set(`${namespace}/${name}`, pod);
    return pod;
  }

  async start(): Promise<string> {
    this.server = createServer(
      (req, res) =>
        void this.handle(req).then(([status, body, type]) => {
          res.writeHead(status, { 'content-type': type ?? 'application/json' });
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        }),
    );
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private nodeObject(name: string, ready: boolean): Pod {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: randomUUID(), labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    };
  }

  /** The controller's successor for a pod that went away. */
  private replaceLater(old: Pod): void {
    const { namespace } = old.metadata;
    const ref = old.metadata.ownerReferences[0];
    if (!ref) return;
    const name = `${ref.name}-${(++this.n).toString(36).padStart(5, 'x')}`;
    const pod = this.pod(namespace, name, { node: 'node-b', owner: { kind: ref.kind, name: ref.name, uid: ref.uid }, labels: old.metadata.labels });
    pod.status = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] };
    this.pending.push({ key: `${namespace}/${name}`, listsLeft: this.readyAfterLists });
  }

  private status(code: number, reason: string, message: string): [number, unknown] {
    return [code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }];
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown, string?]> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const r: Request = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: String(req.headers.authorization ?? ''),
      contentType: String(req.headers['content-type'] ?? ''),
      body: raw ? JSON.parse(raw) : undefined,
    };
    this.requests.push(r);
    if (r.authorization !== 'Bearer stand-in-token') return this.status(401, 'Unauthorized', 'Unauthorized');
    if (this.throttleOnce.delete(`${r.method} ${r.path}`)) return this.status(429, 'TooManyRequests', 'the server has received too many requests');
    let m: RegExpMatchArray | null;
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(r.path)) && r.method === 'GET') {
      for (const p of this.pending) {
        if (p.listsLeft-- === 0) {
          const pod = this.pods.get(p.key)!;
          pod.status = { phase: 'Running', podIP: `10.1.0.${++this.n}`, conditions: [{ type: 'Ready', status: 'True' }] };
        }
      }
      const wanted = (r.query.get('labelSelector') ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('='));
      const items = [...this.pods.values()].filter((p) => p.metadata.namespace === m![1] && wanted.every(([k, v]) => p.metadata.labels?.[k!] === v));
      return [200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items }];
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/log|\/eviction)?$/.exec(r.path))) {
      const key = `${m[1]}/${m[2]}`;
      const pod = this.pods.get(key);
      if (!pod) return this.status(404, 'NotFound', `pods "${m[2]}" not found`);
      if (m[3] === '/log') return [200, `log of ${r.query.get('container')} (tail ${r.query.get('tailLines')})\nGET /healthz 200\n`, 'text/plain'];
      if (r.method === 'GET') return [200, pod];
      if (r.method === 'DELETE' || (m[3] === '/eviction' && r.method === 'POST')) {
        this.pods.delete(key);
        this.replaceLater(pod);
        return [m[3] ? 201 : 200, m[3] ? { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 } : pod];
      }
    }
    if (r.path === '/api/v1/pods' && r.method === 'GET') {
      const node = (r.query.get('fieldSelector') ?? '').replace(/^spec\.nodeName=/, '');
      return [200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...this.pods.values()].filter((p) => p.spec.nodeName === node) }];
    }
    if (r.path === '/api/v1/nodes' && r.method === 'GET') {
      for (const p of this.pendingNodes) {
        if (!this.nodes.has(p.name)) this.nodes.set(p.name, this.nodeObject(p.name, false));
        else if (--p.listsLeft <= 0) this.nodes.get(p.name)!.status.conditions[0].status = 'True';
      }
      return [200, { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [...this.nodes.values()] }];
    }
    if ((m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(r.path))) {
      if (r.method === 'PATCH') {
        const node = this.nodes.get(m[1]!);
        if (node) node.spec = { ...node.spec, ...(r.body as { spec: object }).spec };
        return [200, { kind: 'Node', apiVersion: 'v1', metadata: { name: m[1] }, spec: (r.body as { spec: object }).spec }];
      }
      if (r.method === 'DELETE') {
        this.deletedNodes.push(m[1]!);
        this.nodes.delete(m[1]!);
        if (this.newNodeReadyAfterLists !== Infinity) this.pendingNodes.push({ name: `node-new-${++this.n}`, listsLeft: this.newNodeReadyAfterLists });
        return [200, { kind: 'Status', apiVersion: 'v1', status: 'Success' }];
      }
    }
    return this.status(404, 'NotFound', `the stand-in does not serve ${r.method} ${r.path}`);
  }
}
