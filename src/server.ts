// Start and stop only: config → broker (database, migrations, services) → app → listen.
import closeWithGrace from 'close-with-grace';
import { hostname } from 'node:os';
import { buildApp } from './app.js';
import { startBroker } from './broker.js';
import { type Config, ConfigError, loadConfig } from './config.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`breakglass: configuration error: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const log = (msg: string) => console.log(`breakglass: ${msg}`);
const broker = await startBroker(config, log).catch((err: unknown) => {
  // A replica that disagrees with the others (see src/replicas/shared-fingerprints.ts) says what to share.
  if (!(err instanceof ConfigError)) throw err;
  console.error(`breakglass: configuration error: ${err.message}`);
  process.exit(2);
});
const app = await buildApp(broker);

closeWithGrace({ delay: 15_000 }, async ({ err }) => {
  if (err) app.log.error({ err }, 'stopping after an error');
  await app.close();
  await broker.close();
});

await app.listen({ port: config.port, host: config.host });
const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${(app.server.address() as { port: number }).port}`;
// Other replicas forward requesters' sockets here (see src/terminal/replica-hop.ts).
const wildcard = ['0.0.0.0', '::'].includes(config.host);
await broker.liveness.publishAddress(config.internalUrl ?? (wildcard ? `http://${hostname()}:${new URL(url).port}` : url));
log(`listening on ${url}`);
if (config.demo)
  log(`open ${url} and log in as alice (requester), bob or carol (approvers), dave (auditor), erin (requester and approver) or admin; the password is "demo"`);
