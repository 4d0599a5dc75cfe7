// The broker's parts, wired once: database, migrations, change feed, scheduler,
// recording writer and the domain services. server.ts and the tests both start it.
import pg from 'pg';
import type { Config } from './config.js';
import { accessJobs, accessService } from './access/access-service.js';
import { policyService } from './access/policy-service.js';
import { auditService } from './audit/audit-service.js';
import { authService } from './auth/auth-service.js';
import { userService } from './users/user-service.js';
import { discoverOidc } from './auth/oidc/oidc-client.js';
import { oidcService } from './auth/oidc/oidc-service.js';
import { connect, type Database } from './db/client.js';
import { prepareDatabase } from './db/database-setup.js';
import { seedDemo } from './demo/seed.js';
import { ChangeFeed } from './events/change-feed.js';
import { hostAdminService } from './hosts/host-admin-service.js';
import { hostService } from './hosts/host-service.js';
import { fleetService } from './fleet/fleet-service.js';
import { rolloutService, type RolloutService } from './fleet/rollout-service.js';
import { drillService } from './fleet/drill-service.js';
import { recordingService } from './recording/recording-service.js';
import { LiveIndex } from './search/live-index.js';
import { INDEXER_DEFAULTS, RecordingIndexer } from './search/recording-indexer.js';
import { searchService } from './search/search-service.js';
import { RecordingWriter, type RecordingWriterOptions } from './recording/recording-writer.js';
import { commandProvider } from './replacement/providers/command.js';
import { localImageProvider } from './replacement/providers/local-image.js';
import type { ReplacementProvider } from './replacement/providers/provider.js';
import { replacementService } from './replacement/replacement-service.js';
import { captureService } from './replacement/capture/capture-service.js';
import { localImageCapturer } from './replacement/capture/local-image-capture.js';
import type { Capturer } from './replacement/capture/evidence.js';
import { awsAsgCapturer, awsAsgProvider } from './replacement/providers/aws-asg.js';
import { kubernetesCapturer, kubernetesProvider } from './replacement/providers/kubernetes.js';
import { webhookProvider } from './replacement/providers/webhook.js';
import { webhookCallbacks } from './replacement/providers/webhook-callbacks.js';
import { commandCapturer } from './replacement/capture/command-capture.js';
import { webhookCapturer } from './replacement/capture/webhook-capture.js';
import { QUEUES, Scheduler, type SchedulerTuning } from './scheduler/scheduler.js';
import type { Connector } from './terminal/connectors/connector.js';
import { localConnector } from './terminal/connectors/local-connector.js';
import { removeStaleSessionDirs, sshConnector } from './terminal/connectors/ssh-connector.js';
import { capacityMessage, machineCapacity } from './terminal/capacity.js';
import { shellCpuGroup } from './terminal/sandbox/cpu-group.js';
import { Fence } from './terminal/fence.js';
import { Liveness } from './terminal/liveness.js';
import { ReplicaHop } from './terminal/replica-hop.js';
import { sessionService } from './terminal/session-service.js';
import { auditSshFailure } from './ssh/ssh-audit.js';
import { SshCa } from './ssh/ssh-ca.js';
import { hostKeyWhenBack } from './ssh/host-key-probe.js';
import { certificateSerials } from './ssh/ssh-serials.js';
import { SigningKey } from './evidence/signing-key.js';
import { evidenceService } from './evidence/evidence-service.js';
import { AuditCheckpoints } from './evidence/audit-checkpoints.js';
import { emergencyJobs, emergencyService } from './access/emergency-service.js';
import { extensionService } from './access/extension-service.js';
import { notificationJobs, notificationService } from './notifications/notification-service.js';
import { claimLocalHosts, hostOwners, replacementJobs } from './replicas/host-owner.js';
import { registerSharedFingerprints, tokenSecretFingerprint } from './replicas/shared-fingerprints.js';
import { hostHandover } from './replicas/host-handover.js';
import { LoginWatch } from './auth/login-watch.js';

export type Log = (msg: string, extra?: object) => void;

export interface BrokerOptions {
  connectors?: Connector[];
  providers?: ReplacementProvider[];
  capturers?: Capturer[];
  /** pg-boss settings per queue (the job benchmark compares against the old ones). */
  jobs?: SchedulerTuning;
  /** The recording writer's settings beyond the configuration's (tests: fault injection). */
  writer?: Pick<RecordingWriterOptions, 'faultForwardUnfenced'>;
}

export async function startBroker(config: Config, log: Log, opts: BrokerOptions = {}) {
  // Single sign-on's discovery first: an unreachable issuer stops the start (a ConfigError naming the variable).
  const oidcClient = config.oidc ? await discoverOidc(config.oidc) : undefined;
  const sshCa = await SshCa.open(config.dataDir, config.sshCaKeyFile);
  const signingKey = await SigningKey.open(config.dataDir, config.signingKeyFile, sshCa.publicKey);
  // Migrations run as the owner role; the broker itself connects as a role that owns nothing (src/db/roles.ts).
  const database = await prepareDatabase(config, log, (ownerUrl) => Scheduler.install(ownerUrl, log));
  const databaseUrl = database.brokerUrl;
  const db: Database = connect(databaseUrl);
  const { prisma } = db;
  await registerSharedFingerprints(prisma, config.brokerId, [
    {
      name: 'ssh-ca',
      fingerprint: sshCa.fingerprint,
      remedy: `give every replica the same CA key with BREAKGLASS_SSH_CA_KEY_FILE (this replica's is ${sshCa.keyFile})`,
    },
    {
      name: 'token-secret',
      fingerprint: tokenSecretFingerprint(config.tokenSecret),
      remedy: `give every replica the same BREAKGLASS_TOKEN_SECRET (without it, each uses its own ${config.dataDir}/token-secret)`,
    },
    {
      name: 'signing-key',
      fingerprint: signingKey.fingerprint,
      remedy: `give every replica the same evidence signing key with BREAKGLASS_SIGNING_KEY_FILE (this replica's is ${signingKey.file})`,
    },
  ]).catch(async (err) => {
    await db.close();
    await database.stop();
    throw err;
  });

  if (config.demo && (await seedDemo(prisma, config.dataDir))) log('demo data seeded (users alice, bob, carol, dave, erin, admin; password "demo")');
  // Policy from the environment wins over the demo's and over earlier runs'.
  const policies = policyService(prisma);
  for (const [environment, p] of Object.entries(config.policies ?? {})) await policies.put(null, environment, p);

  const feed = new ChangeFeed(databaseUrl, log);
  await feed.start();
  const scheduler = new Scheduler(databaseUrl, log, opts.jobs);
  await scheduler.start();
  // The recording writer's own connections (its synchronous lane and its fences; its bulk lanes open
  // theirs): a keystroke's commit never waits for a pool slot behind the API's or the indexer's queries.
  const writerPool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'breakglass-recording' });
  writerPool.on('error', () => {}); // a lost connection fails the write using it
  const writer = new RecordingWriter(writerPool, { ...opts.writer, timeoutMs: config.recordingWriteTimeoutMs, writerId: config.brokerId });
  await writer.verifyDurability();
  log(capacityMessage(machineCapacity()));
  const cpuGroup = shellCpuGroup();
  log('unavailable' in cpuGroup ? `shells' CPU group: none: ${cpuGroup.unavailable}` : `granted shells run in a CPU group of low weight: ${cpuGroup.weight}`);

  const serials = certificateSerials(prisma);
  const builtIn = [
    localConnector(config.dataDir, { unsafeUnsandboxed: config.unsafeUnsandboxedLocal, log }),
    sshConnector({ ca: sshCa, brokerId: config.brokerId, onFailure: auditSshFailure(prisma), serialFor: serials.allocate }),
  ];
  const connectors = new Map<string, Connector>([...builtIn, ...(opts.connectors ?? [])].map((c) => [c.type, c]));
  const providers = new Map<string, ReplacementProvider>(
    [
      localImageProvider(config.dataDir),
      commandProvider(),
      awsAsgProvider({ pollMs: config.providerPollMs }),
      kubernetesProvider({ pollMs: config.providerPollMs }),
      ...(config.webhookSecret ? [webhookProvider({ secret: config.webhookSecret, publicUrl: config.publicUrl, prisma, pollMs: config.providerPollMs })] : []),
      ...(opts.providers ?? []),
    ].map((p) => [p.name, p]),
  );
  const capturers = new Map<string, Capturer>(
    [
      localImageCapturer(config.dataDir),
      awsAsgCapturer(),
      kubernetesCapturer(),
      commandCapturer(),
      ...(config.webhookSecret ? [webhookCapturer({ secret: config.webhookSecret, publicUrl: config.publicUrl, prisma, pollMs: config.providerPollMs })] : []),
      ...(opts.capturers ?? []),
    ].map((c) => [c.provider, c]),
  );
  const captures = captureService({ prisma, capturers, config, log });
  const audit = auditService(prisma);
  const checkpoints = new AuditCheckpoints(
    prisma,
    signingKey,
    audit,
    { dataDir: config.dataDir, everyEvents: config.auditCheckpointEvents, everySeconds: config.auditCheckpointSeconds },
    log,
  );
  const notifications = notificationService({ prisma, scheduler, config, log });
  const { notifier } = notifications;
  let rollouts: RolloutService | undefined;
  const replacements = replacementService({
    prisma,
    scheduler,
    providers,
    config,
    log,
    notifier,
    capture: captures,
    hostKeys: (c) => hostKeyWhenBack(c, { timeoutMs: config.replacementHostKeyTimeoutSeconds * 1000, pauseMs: config.providerPollMs }),
    onFinished: async (h) => rollouts?.advanceEnvironment(h.environment),
  });
  rollouts = rolloutService({ prisma, replacements, log });
  const drills = drillService({ prisma, replacements, log });
  const access = accessService({ prisma, scheduler, config, notifier });
  // The fence kills this replica's shells once its lease is no longer safe (see fence.ts).
  const fence = new Fence(() => {
    log(`lease not renewed in time: killing this replica's ${sessions.live.size} shell(s)`);
    void sessions.endAll('interrupted');
  });
  fence.start();
  const hop = new ReplicaHop(config.tokenSecret, config.brokerId);
  const owners = hostOwners({ prisma, brokerId: config.brokerId, hop, replacements });
  const liveIndex = new LiveIndex();
  const sessions = sessionService({ prisma, config, connectors, writer, liveIndex, replacements, fence, hop, owners, log, signingKey, notifier });
  const services = {
    auth: authService(prisma, config),
    users: userService(prisma),
    oidc: oidcClient && oidcService(prisma, authService(prisma, config), oidcClient, config.oidc!),
    access,
    policies,
    sessions,
    replacements,
    captures,
    webhookCallbacks: webhookCallbacks({ prisma, secret: config.webhookSecret, captures }),
    hosts: hostService(prisma),
    fleet: fleetService(prisma),
    rollouts,
    drills,
    hostAdmin: hostAdminService({
      prisma,
      dataDir: config.dataDir,
      brokerId: config.brokerId,
      rules: () => ({ connectors: [...connectors.keys()], providers: [...providers.keys()] }),
    }),
    sshCa,
    serials,
    hop,
    // The chain walk, then the latest signed checkpoint (src/evidence/audit-checkpoints.ts).
    audit: { ...audit, verify: () => checkpoints.verify() },
    checkpoints,
    recordings: recordingService(prisma),
    evidence: evidenceService(prisma, recordingService(prisma), signingKey),
    extensions: extensionService({ prisma, scheduler, notifier, config }),
    emergency: emergencyService({ prisma, notifier }),
    notifications,
    search: searchService(prisma),
    handover: hostHandover({ prisma, replacements, leaseMs: config.brokerDeadAfterSeconds * 1000 }),
  };

  const claimed = await claimLocalHosts(prisma, config.brokerId, config.dataDir);
  if (claimed) log(`this replica owns ${claimed} local host(s) built in its data dir`);
  const interrupted = await sessions.recoverInterrupted();
  if (interrupted) log(`ended ${interrupted} session(s) left open by this broker's previous run as interrupted`);
  const liveness = new Liveness(
    databaseUrl,
    config.brokerId,
    sessions,
    fence,
    {
      tickMs: config.heartbeatSeconds * 1000,
      leaseMs: config.brokerDeadAfterSeconds * 1000,
      marginMs: config.leaseMarginMs,
    },
    log,
  );
  await liveness.start();
  const staleKeys = await removeStaleSessionDirs(config.brokerId);
  if (staleKeys) log(`removed ${staleKeys} ssh key director(ies) left by this broker's previous run`);

  checkpoints.start();
  feed.on('message', (m) => {
    if (m.type === 'kill') void sessions.kill(m.requestId, m.reason);
    if (m.type === 'grant-notice') sessions.tell(m.requestId, m.message, m.expiresAt);
    // A replacement was scheduled (or retried) somewhere: the workers here need not wait for their next poll.
    if (m.type === 'change' && m.kind === 'replacement') scheduler.nudge(QUEUES.replacement);
  });
  // Whatever was notified while LISTEN was down is caught up from the database.
  feed.on('connected', () => void sessions.reconcile().catch((err: Error) => log(`reconciliation: ${err.message}`)));
  const loginWatch = new LoginWatch((claims) => services.auth.resolve(claims), config.loginRecheckSeconds * 1000, log);
  loginWatch.start();
  feed.on('message', (m) => {
    if (m.type === 'login') void loginWatch.recheck(m.userId);
  });
  await scheduler.workAll({ ...accessJobs(access), ...replacementJobs(owners), ...notificationJobs(notifications), ...emergencyJobs(services.emergency) });
  await rollouts.resume();
  const indexer = new RecordingIndexer(db.pool, INDEXER_DEFAULTS, log, liveIndex);
  indexer.start();
  // Drills: every replica sweeps; locks in Postgres make one decision per environment.
  const drillTimer = setInterval(() => void drills.sweep().catch((err: Error) => log(`drill sweep: ${err.message}`)), config.drillSweepSeconds * 1000);
  drillTimer.unref();

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
      clearInterval(drillTimer);
      await liveness.stop();
      await checkpoints.stop();
      await indexer.stop();
      loginWatch.stop();
      await sessions.endAll('interrupted').catch((err: Error) => log(`ending sessions at shutdown: ${err.message}`));
      // The last events of a clean shutdown are covered by a signed checkpoint too.
      await checkpoints.checkpoint().catch((err: Error) => log(`audit checkpoint at shutdown: ${err.message}`));
      await fence.close();
      await scheduler.stop();
      await feed.close();
      await writer.idle();
      await writer.close();
      await writerPool.end().catch(() => {});
      notifications.close();
      await db.close();
      await database.stop();
    },
  };
}

export type Broker = Awaited<ReturnType<typeof startBroker>>;
