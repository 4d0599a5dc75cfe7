// API throughput under autocannon: login (scrypt by design, so CPU-bound) and
// the request list, against a bare Fastify route answering a constant on the
// same machine, run one after the other in the same run.
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { Api } from './setup.js';
import { log, row, type Row } from './stats.js';

export interface ApiResult {
  durationSeconds: number;
  connections: number;
  requestsPerSecond: { login: number; requestList: number; bareFastify: number };
  latencyP99Ms: { login: number; requestList: number; bareFastify: number };
  errors: number;
}

async function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon(opts);
}

export async function apiBench(api: Api, opts: { durationSeconds: number; connections: number }): Promise<{ result: ApiResult; rows: Row[] }> {
  const bare = Fastify({ logger: false });
  bare.get('/api/ping', async () => ({ ok: true }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;
  // A few requests to list, as on a working day.
  const hostId = await api.newHost(`bench-api-${Date.now()}`);
  await api.grantHost(hostId);
  const token = await api.token('bob');
  const common = { connections: opts.connections, duration: opts.durationSeconds };
  try {
    const bareRun = await cannon({ ...common, url: `${bareUrl}/api/ping` });
    const list = await cannon({ ...common, url: `${api.broker.url}/api/requests`, headers: { authorization: `Bearer ${token}` } });
    const login = await cannon({
      ...common,
      url: `${api.broker.url}/api/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'demo' }),
    });
    const errors = [bareRun, list, login].reduce((n, r) => n + r.errors + r.non2xx, 0);
    const result: ApiResult = {
      durationSeconds: opts.durationSeconds,
      connections: opts.connections,
      requestsPerSecond: { login: login.requests.average, requestList: list.requests.average, bareFastify: bareRun.requests.average },
      latencyP99Ms: { login: login.latency.p99, requestList: list.latency.p99, bareFastify: bareRun.latency.p99 },
      errors,
    };
    log(`api: ${JSON.stringify(result)}`);
    const rows = [
      row('api', 'login (scrypt)', 'req/s', login.requests.average, bareRun.requests.average, 'bare'),
      row('api', 'GET /api/requests', 'req/s', list.requests.average, bareRun.requests.average, 'bare'),
      row('api', 'GET /api/requests p99', 'ms', list.latency.p99, bareRun.latency.p99, 'bare'),
      row('api', 'errors and non-2xx', '', errors),
    ];
    return { result, rows };
  } finally {
    await bare.close();
  }
}
