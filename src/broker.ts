// The broker's parts, wired once: database, migrations, change feed, scheduler,
// recording writer and the domain services. server.ts and the tests both start it.
import type { Config } from './config.js';
import { accessService } from './access/access-service.js';
import { policyService } from './access/policy-service.js';
import { auditService } from './audit/audit-service.js';
import { authService } from './auth/auth-service.js';
import { connect, type Database } from './db/client.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { seedDemo } from './demo/seed.js';
import { ChangeFeed } from './events/change-feed.js';
import { hostAdminService } from './hosts/host-admin-service.js';
import { hostService } from './hosts/host-service.js';
import { recordingService } from './recording/recording-service.js';
import { RecordingWriter } from './recording/recording-writer.js';
import { commandProvider } from './replacement/providers/command.js';
import { localImageProvider } from './replacement/providers/local-image.js';
import type { ReplacementProvider } from './replacement/providers/provider.js';
import { replacementService } from './replacement/replacement-service.js';
import { QUEUES, Scheduler } from './scheduler/scheduler.js';
import type { Connector } from './terminal/connectors/connector.js';
import { localConnector } from './terminal/connectors/local-connector.js';
import { removeStaleSessionDirs, sshConnector } from './terminal/connectors/ssh-connector.js';
import { Liveness } from './terminal/liveness.js';
import { sessionService } from './terminal/session-service.js';
import { auditSshFailure } from './ssh/ssh-audit.js';
import { SshCa } from './ssh/ssh-ca.js';
import { LoginWatch } from './auth/login-watch.js';

export type Log = (msg: string, extra?: object) => void;

export interface BrokerOptions {
  connectors?: Connector[];
  providers?: ReplacementProvider[];
}

export async function startBroker(config: Config, log: Log, opts: BrokerOptions = {}) {
  const sshCa = await SshCa.open(config.dataDir, config.sshCaKeyFile);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const applied = await migrate(databaseUrl);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  const db: Database = connect(databaseUrl);
  const { prisma } = db;

  if (config.demo && (await seedDemo(prisma, config.dataDir))) log('demo data seeded (users alice, bob, carol, dave, erin, admin; password "demo")');
  // Policy from the environment wins over the demo's and over earlier runs'.
  const policies = policyService(prisma);
  for (const [environment, p] of Object.entries(config.policies ?? {})) await policies.put(null, environment, p);

  const feed = new ChangeFeed(databaseUrl, log);
  await feed.start();
  const scheduler = new Scheduler(databaseUrl, log);
  await scheduler.start();
  const writer = new RecordingWriter(db.pool, config.recordingWriteTimeoutMs);

  const builtIn = [localConnector(config.dataDir, { unsafeUnsandboxed: config.unsafeUnsandboxedLocal, log }), sshConnector({ ca: sshCa, brokerId: config.brokerId, onFailure: auditSshFailure(prisma) })];
  const connectors = new Map<string, Connector>([...builtIn, ...(opts.connectors ?? [])].map((c) => [c.type, c]));
  const providers = new Map<string, ReplacementProvider>([localImageProvider(config.dataDir), commandProvider(), ...(opts.providers ?? [])].map((p) => [p.name, p]));
  const replacements = replacementService({ prisma, scheduler, providers, config, log });
  const access = accessService({ prisma, scheduler, config });
  const sessions = sessionService({ prisma, config, connectors, writer, replacements, log });
  const services = {
    auth: authService(prisma, config),
    access,
    policies,
    sessions,
    replacements,
    hosts: hostService(prisma),
    hostAdmin: hostAdminService({ prisma, dataDir: config.dataDir, rules: () => ({ connectors: [...connectors.keys()], providers: [...providers.keys()] }) }),
    sshCa,
    audit: auditService(prisma),
    recordings: recordingService(prisma),
  };

  const interrupted = await sessions.recoverInterrupted();
  if (interrupted) log(`ended ${interrupted} session(s) left open by this broker's previous run as interrupted`);
  const liveness = new Liveness(prisma, config.brokerId, sessions, { beatMs: config.heartbeatSeconds * 1000, deadAfterMs: config.brokerDeadAfterSeconds * 1000 }, log);
  await liveness.start();
  const staleKeys = await removeStaleSessionDirs(config.brokerId);
  if (staleKeys) log(`removed ${staleKeys} ssh key director(ies) left by this broker's previous run`);

  feed.on('message', (m) => {
    if (m.type === 'kill') void sessions.kill(m.requestId, m.reason);
  });
  const loginWatch = new LoginWatch((claims) => services.auth.resolve(claims), config.loginRecheckSeconds * 1000, log);
  loginWatch.start();
  feed.on('message', (m) => {
    if (m.type === 'login') void loginWatch.recheck(m.userId);
  });
  await scheduler.work<{ requestId: string }>(QUEUES.requestTtl, (d) => access.expirePending(d.requestId));
  await scheduler.work<{ requestId: string }>(QUEUES.grantExpiry, (d) => access.closeGrant(d.requestId));
  await scheduler.work<{ replacementId: string }>(QUEUES.replacement, (d) => replacements.run(d.replacementId));

  return {
    config,
    db,
    databaseUrl,
    feed,
    scheduler,
    writer,
    connectors,
    services,
    /** Ends live sessions (as interrupted: their hosts get replaced), then stops everything. */
    liveness,
    loginWatch,
    async close() {
      liveness.stop();
      loginWatch.stop();
      await sessions.endAll('interrupted').catch((err: Error) => log(`ending sessions at shutdown: ${err.message}`));
      await scheduler.stop();
      await feed.close();
      await writer.idle();
      await db.close();
      await embedded?.stop();
    },
  };
}

export type Broker = Awaited<ReturnType<typeof startBroker>>;
