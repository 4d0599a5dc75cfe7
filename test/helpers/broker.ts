// A real broker process (`src/server.ts`) on a fresh database with the demo
// seed: for the end-to-end specs and for tests that kill the broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { brokerDatabaseEnv, tempDataDir } from './database.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface BrokerProcess {
  url: string;
  databaseUrl: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** Graceful stop (SIGTERM), then removes the data dir unless it was given. */
  stop(): Promise<void>;
  /** SIGKILL: the broker dies without any clean-up. */
  kill(): Promise<void>;
}

/** `nodeArgs` go before the script (e.g. `--cpu-prof`); `onOutput` sees the broker's stdout and stderr. */
/** `uid`/`gid` run the broker as another user (a root test starting a non-root broker). */
/** `built` runs what `npm start` runs (the compiled dist/, scripts/start.mjs) instead of src/ through tsx. */
export async function startBroker(
  opts: { env?: Record<string, string>; nodeArgs?: string[]; onOutput?: (d: Buffer) => void; uid?: number; gid?: number; built?: boolean } = {},
): Promise<BrokerProcess> {
  const env = opts.env ?? {};
  // DATABASE_URL: '' leaves it unset, so the broker starts its own embedded Postgres.
  const database: Record<string, string> = env.DATABASE_URL === '' ? {} : await brokerDatabaseEnv(env);
  const databaseUrl = database.DATABASE_URL ?? '';
  const dataDir = env.BREAKGLASS_DATA_DIR ?? tempDataDir();
  const entry = opts.built ? [path.join(root, 'scripts/start.mjs')] : ['--import', 'tsx', path.join(root, 'src/server.ts')];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      ...database,
      BREAKGLASS_DATA_DIR: dataDir,
      BREAKGLASS_DEMO: '1',
      BREAKGLASS_LOG_LEVEL: 'warn',
      BREAKGLASS_LOGIN_RATE_LIMIT: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid }),
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      opts.onOutput?.(d);
      output += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before listening:\n${output}`)));
  });
  const cleanup = () => {
    if (!env.BREAKGLASS_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    databaseUrl,
    dataDir,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
