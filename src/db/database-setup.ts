// Which Postgres, as which role: starts the embedded default (with its owner
// and broker roles) or takes DATABASE_URL / DATABASE_MIGRATE_URL, applies the
// migrations as the owner, then the broker role's grants (roles.ts).
import type { Config } from '../config.js';
import { embeddedRoles, startEmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';
import { settleRecordingCompression } from './recording-compression.js';
import { applyGrants, currentRole, privilegeProblems } from './roles.js';
import pg from 'pg';

export interface PreparedDatabase {
  /** What the broker connects as: least privileged unless one URL was given for both. */
  brokerUrl: string;
  /** The owner's: migrations and schema set-up only. */
  ownerUrl: string;
  stop(): Promise<void>;
}

/** `installAsOwner` runs after the migrations, before the grants (pg-boss's schema and queues). */
export async function prepareDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseMigrateUrl' | 'dataDir'>,
  log: (msg: string) => void,
  installAsOwner: (ownerUrl: string) => Promise<void>,
): Promise<PreparedDatabase> {
  let stop = async () => {};
  let urls: { ownerUrl: string; brokerUrl: string };
  if (config.databaseUrl) {
    urls = { brokerUrl: config.databaseUrl, ownerUrl: config.databaseMigrateUrl ?? config.databaseUrl };
  } else {
    const embedded = await startEmbeddedPostgres(config.dataDir, log);
    stop = embedded.stop;
    urls = await embeddedRoles(config.dataDir, embedded.url);
  }
  const applied = await migrate(urls.ownerUrl);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  await settleRecordingCompression(urls.ownerUrl, log);
  const [owner, broker] = await Promise.all([currentRole(urls.ownerUrl), currentRole(urls.brokerUrl)]);
  if (owner !== broker) {
    await installAsOwner(urls.ownerUrl);
    await applyGrants(urls.ownerUrl, broker);
  }
  const client = new pg.Client({ connectionString: urls.brokerUrl });
  await client.connect();
  const problems = await privilegeProblems(client).finally(() => client.end());
  if (problems.length) {
    log(
      `WARNING: the broker runs as the owner of its tables (${problems.join('; ')}): whoever holds DATABASE_URL can rewrite recordings and the audit trail without the database refusing it. Give DATABASE_URL a least-privileged role and DATABASE_MIGRATE_URL the owner (README, "Database roles").`,
    );
  }
  return { ...urls, stop };
}
