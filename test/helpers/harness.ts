// An in-process broker on its own database and data dir, with a real HTTP
// listener, plus the calls tests make against it. Everything is closed after the test.
import { rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { startBroker, type Broker, type BrokerOptions } from '../../src/broker.js';
import { loadConfig } from '../../src/config.js';
import { ApiClient } from './api-client.js';
import { brokerDatabaseEnv, tempDataDir } from './database.js';

export type { ApiResult } from './api-client.js';

/** An in-process broker with the API client pointed at it, and its database at hand. */
export class Harness extends ApiClient {
  constructor(
    url: string,
    readonly broker: Broker,
    readonly dataDir: string,
    /** The in-process app (not for a harness pointed at a broker process). */
    readonly app?: FastifyInstance,
  ) {
    super(url);
  }

  get prisma() {
    return this.broker.db.prisma;
  }

  /** Straight from the database: also for hosts an admin cannot list (retired ones). */
  override async hostId(name: string): Promise<string> {
    const host = await this.prisma.host.findUniqueOrThrow({ where: { name } });
    return host.id;
  }
}

export async function startHarness(
  t: TestContext,
  env: Record<string, string> = {},
  opts: BrokerOptions & { logStream?: NodeJS.WritableStream } = {},
): Promise<Harness> {
  // The broker connects as a least-privileged role and migrates as the owner (issue 9), unless a test names its own URL.
  const database = await brokerDatabaseEnv(env);
  const dataDir = env.BREAKGLASS_DATA_DIR ?? tempDataDir();
  const config = loadConfig({
    ...database,
    BREAKGLASS_DATA_DIR: dataDir,
    BREAKGLASS_DEMO: '1',
    BREAKGLASS_TOKEN_SECRET: 'test-secret-test-secret-test-secret-42',
    BREAKGLASS_BROKER_ID: `test-${Math.random().toString(36).slice(2)}`,
    BREAKGLASS_LOGIN_RATE_LIMIT: '1000',
    BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS: '1',
    ...env,
  });
  const broker = await startBroker(config, () => {}, opts);
  const app = await buildApp(broker, opts.logStream ? { logStream: opts.logStream } : { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  await broker.liveness.publishAddress(`http://127.0.0.1:${port}`);
  t.after(async () => {
    await app.close();
    await broker.close();
    if (!env.BREAKGLASS_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  });
  return new Harness(`http://127.0.0.1:${port}`, broker, dataDir, app);
}
