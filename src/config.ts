// Configuration from the environment, validated once at start-up. A bad value
// stops the broker with a message that names the variable.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { oidcConfig, type OidcConfig } from './auth/oidc/oidc-config.js';

export interface PolicyConfig {
  approvalsRequired: number;
  minDurationMinutes: number;
  maxDurationMinutes: number;
  /** Issue 12: no input for this many minutes ends a session as idle (null: never). */
  idleTimeoutMinutes?: number | null;
  emergencyAllowed?: boolean;
  /** 0: an emergency is granted at once; 1: after one approval. */
  emergencyApprovalsRequired?: number;
  emergencyMaxDurationMinutes?: number;
  /** An emergency grant must be reviewed within this many hours (of policy minutes). */
  reviewWithinHours?: number;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  demo: boolean;
  tokenSecret: string;
  tokenTtlMinutes: number;
  brokerId: string;
  requestTtlMinutes: number;
  /** Length of one policy minute in ms: 60000 in production, shorter in tests. */
  minuteMs: number;
  disconnectGraceMs: number;
  warnBeforeEndMinutes: number[];
  loginRateLimitPerMinute: number;
  replacementRetryLimit: number;
  heartbeatSeconds: number;
  recordingWriteTimeoutMs: number;
  brokerDeadAfterSeconds: number;
  replacementRetryDelaySeconds: number;
  policies: Record<string, PolicyConfig> | undefined;
  logLevel: string;
  allowedOrigins: string[];
  secureCookie: boolean;
  webDir: string;
  /** The SSH CA's private key; default: made on first start at <dataDir>/ssh/ca. */
  sshCaKeyFile: string | undefined;
  /** The owner role's URL, for migrations (issue 9); without it DATABASE_URL does both. */
  databaseMigrateUrl: string | undefined;
  /** The evidence signing key (issue 9); default: made on first start at <dataDir>/evidence/signing-key. */
  signingKeyFile: string | undefined;
  /** Signed audit checkpoints: after this many events, or this many seconds with any (issue 9). */
  auditCheckpointEvents: number;
  auditCheckpointSeconds: number;
  /** Whether local accounts may log in with a password (issue 11). */
  localAccounts: boolean;
  /** Single sign-on; undefined when off. */
  oidc: OidcConfig | undefined;
  /** SMTP server for e-mail notifications (smtp://user:pass@host:port or smtps://...). */
  smtpUrl: string | undefined;
  mailFrom: string;
  notifyRetries: number;
  notifyRetryDelaySeconds: number;
  /** What a failed evidence capture does to the teardown: hold it (the default) or proceed. */
  captureOnFailure: 'hold' | 'proceed';
  captureTimeoutSeconds: number;
  /** Signs webhook replacement jobs and verifies their results; without it the webhook provider is off. */
  webhookSecret: string | undefined;
  /** Where people and services reach the broker: notification deep links, webhook callbacks. */
  publicUrl: string;
  /** How often cloud providers ask whether the new instance is up. */
  providerPollMs: number;
  /** How often each replica looks for hosts to drill (inside their environment's drill window). */
  drillSweepSeconds: number;
  /** The fence kills this replica's shells this long before its lease (brokerDeadAfterSeconds) runs out. */
  leaseMarginMs: number;
  /** Where other replicas reach this one (the replica-to-replica hop); default: the listening address. */
  internalUrl: string | undefined;
  /** BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL: local hosts open without a sandbox where none can be made (each session says so). */
  unsafeUnsandboxedLocal: boolean;
  /** How often every replica re-verifies the logins behind its live terminals and event streams. */
  loginRecheckSeconds: number;
  /** BREAKGLASS_TRUST_PROXY: the reverse proxies whose X-Forwarded-For names the client (true: any). */
  trustProxy: boolean | string[];
  /** How long a replaced SSH host pinned by a host CA may take to answer at its new address (its key is recorded then). */
  replacementHostKeyTimeoutSeconds: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function policies(env: Env): Record<string, PolicyConfig> | undefined {
  const raw = env.BREAKGLASS_POLICY;
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('BREAKGLASS_POLICY must be JSON like {"production":{"approvalsRequired":2,"minDurationMinutes":5,"maxDurationMinutes":60}}');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ConfigError('BREAKGLASS_POLICY must be a JSON object keyed by environment');
  const out: Record<string, PolicyConfig> = {};
  for (const [environment, p] of Object.entries(parsed)) {
    const { approvalsRequired: a, minDurationMinutes: lo, maxDurationMinutes: hi } = (p ?? {}) as Record<string, unknown>;
    const ok =
      [a, lo, hi].every((n) => Number.isInteger(n) && (n as number) >= 0) && (a as number) >= 1 && (lo as number) >= 1 && (hi as number) >= (lo as number);
    if (!ok) throw new ConfigError(`BREAKGLASS_POLICY.${environment} needs integers approvalsRequired >= 1 and 1 <= minDurationMinutes <= maxDurationMinutes`);
    out[environment] = {
      approvalsRequired: a as number,
      minDurationMinutes: lo as number,
      maxDurationMinutes: hi as number,
      ...peopleInTheLoop(environment, p as Record<string, unknown>),
    };
  }
  return out;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function listenHost(env: Env): string {
  const raw = env.HOST || '127.0.0.1';
  if (isIP(raw) || HOSTNAME.test(raw)) return raw;
  throw new ConfigError(`HOST must be an IP address or a host name to listen on, got "${raw}"`);
}

/** Origins exactly as browsers send them: scheme://host[:port], nothing after. */
function origins(env: Env): string[] {
  const list = (env.BREAKGLASS_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`BREAKGLASS_ALLOWED_ORIGINS must be comma-separated origins like https://ops.example.com, got "${origin}"`);
    }
  }
  return list;
}

/** The optional issue-12 fields of a BREAKGLASS_POLICY entry, checked. */
function peopleInTheLoop(environment: string, p: Record<string, unknown>): Partial<PolicyConfig> {
  const out: Partial<PolicyConfig> = {};
  const intIn = (k: keyof PolicyConfig, lo: number, hi: number) => {
    if (p[k] === undefined) return;
    if (!Number.isInteger(p[k]) || (p[k] as number) < lo || (p[k] as number) > hi)
      throw new ConfigError(`BREAKGLASS_POLICY.${environment}.${k} must be an integer from ${lo} to ${hi}`);
    (out as Record<string, unknown>)[k] = p[k];
  };
  if (p.idleTimeoutMinutes === null) out.idleTimeoutMinutes = null;
  else intIn('idleTimeoutMinutes', 1, 1440);
  if (p.emergencyAllowed !== undefined) {
    if (typeof p.emergencyAllowed !== 'boolean') throw new ConfigError(`BREAKGLASS_POLICY.${environment}.emergencyAllowed must be true or false`);
    out.emergencyAllowed = p.emergencyAllowed;
  }
  intIn('emergencyApprovalsRequired', 0, 1);
  intIn('emergencyMaxDurationMinutes', 1, 10080);
  intIn('reviewWithinHours', 1, 720);
  return out;
}

/** A value kept in the data dir so that it survives restarts (mode 0600). */
function persisted(dataDir: string, file: string, make: () => string): string {
  const p = path.join(dataDir, file);
  if (existsSync(p)) return readFileSync(p, 'utf8').trim();
  const value = make();
  writeFileSync(p, value + '\n', { mode: 0o600 });
  return value;
}

function sshCaKeyFile(env: Env): string | undefined {
  const raw = env.BREAKGLASS_SSH_CA_KEY_FILE;
  if (!raw) return undefined;
  if (!existsSync(raw)) throw new ConfigError(`BREAKGLASS_SSH_CA_KEY_FILE names ${path.resolve(raw)}, which does not exist`);
  return path.resolve(raw);
}

function signingKeyFile(env: Env): string | undefined {
  const raw = env.BREAKGLASS_SIGNING_KEY_FILE;
  if (!raw) return undefined;
  if (!existsSync(raw)) throw new ConfigError(`BREAKGLASS_SIGNING_KEY_FILE names ${path.resolve(raw)}, which does not exist`);
  return path.resolve(raw);
}

function migrateUrl(env: Env): string | undefined {
  const raw = env.DATABASE_MIGRATE_URL || undefined;
  if (raw && !env.DATABASE_URL) throw new ConfigError("DATABASE_MIGRATE_URL needs DATABASE_URL (the broker's own, least-privileged role) beside it");
  return raw;
}

function webhookSecret(env: Env): string | undefined {
  const raw = env.BREAKGLASS_WEBHOOK_SECRET;
  if (!raw) return undefined;
  if (raw.length < 32) throw new ConfigError('BREAKGLASS_WEBHOOK_SECRET must be at least 32 characters');
  return raw;
}

function publicUrl(env: Env, host: string): string {
  const raw = env.BREAKGLASS_PUBLIC_URL || `http://${isIP(host) === 6 ? `[${host}]` : host}:${env.PORT || 8080}`;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {
    /* reported below */
  }
  throw new ConfigError(`BREAKGLASS_PUBLIC_URL must be an http(s) URL, got "${raw}"`);
}

function trustProxy(raw: string | undefined): boolean | string[] {
  if (!raw || raw === '0') return false;
  if (raw === '1') return true;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.some((a) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a)))
    throw new ConfigError('BREAKGLASS_TRUST_PROXY must be 1 (any proxy) or a comma-separated list of proxy addresses or CIDRs');
  return list;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const dataDir = path.resolve(env.BREAKGLASS_DATA_DIR || '.data');
  // 0711: the embedded Postgres runs as another user and must reach dataDir/pg; files stay 0600.
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const tokenSecret = env.BREAKGLASS_TOKEN_SECRET || persisted(dataDir, 'token-secret', () => randomBytes(32).toString('base64url'));
  if (tokenSecret.length < 32) throw new ConfigError('BREAKGLASS_TOKEN_SECRET must be at least 32 characters');
  const warn = (env.BREAKGLASS_WARN_BEFORE_END_MINUTES ?? '5,1').split(',').filter(Boolean).map(Number);
  if (warn.some((n) => !(n > 0))) throw new ConfigError('BREAKGLASS_WARN_BEFORE_END_MINUTES must be a comma-separated list of positive numbers');
  const host = listenHost(env);
  const lease = leaseSettings(env);
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host,
    databaseUrl,
    dataDir,
    demo: bool(env, 'BREAKGLASS_DEMO', databaseUrl === undefined),
    tokenSecret,
    tokenTtlMinutes: int(env, 'BREAKGLASS_TOKEN_TTL_MINUTES', 12 * 60, 1, 7 * 24 * 60),
    brokerId: env.BREAKGLASS_BROKER_ID || persisted(dataDir, 'broker-id', () => `broker-${randomUUID()}`),
    requestTtlMinutes: int(env, 'BREAKGLASS_REQUEST_TTL_MINUTES', 60, 1, 7 * 24 * 60),
    minuteMs: int(env, 'BREAKGLASS_MINUTE_MS', 60_000, 10, 60_000),
    disconnectGraceMs: int(env, 'BREAKGLASS_DISCONNECT_GRACE_SECONDS', 30, 0, 3600) * 1000,
    warnBeforeEndMinutes: warn.sort((a, b) => b - a),
    loginRateLimitPerMinute: int(env, 'BREAKGLASS_LOGIN_RATE_LIMIT', 10, 1, 10_000),
    recordingWriteTimeoutMs: int(env, 'BREAKGLASS_RECORDING_TIMEOUT_MS', 10_000, 100, 600_000),
    heartbeatSeconds: lease.heartbeatSeconds,
    brokerDeadAfterSeconds: lease.deadAfterSeconds,
    replacementRetryLimit: int(env, 'BREAKGLASS_REPLACEMENT_RETRIES', 5, 0, 100),
    replacementRetryDelaySeconds: int(env, 'BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS', 10, 1, 3600),
    policies: policies(env),
    logLevel: oneOf(env, 'BREAKGLASS_LOG_LEVEL', LOG_LEVELS, 'info'),
    allowedOrigins: origins(env),
    secureCookie: bool(env, 'BREAKGLASS_SECURE_COOKIE', false),
    webDir: path.resolve(env.BREAKGLASS_WEB_DIR || 'web/dist'),
    sshCaKeyFile: sshCaKeyFile(env),
    databaseMigrateUrl: migrateUrl(env),
    signingKeyFile: signingKeyFile(env),
    auditCheckpointEvents: int(env, 'BREAKGLASS_AUDIT_CHECKPOINT_EVENTS', 1000, 1, 1_000_000),
    auditCheckpointSeconds: int(env, 'BREAKGLASS_AUDIT_CHECKPOINT_SECONDS', 300, 1, 86_400),
    localAccounts: bool(env, 'BREAKGLASS_LOCAL_ACCOUNTS', true),
    oidc: oidcConfig(env, (message) => {
      throw new ConfigError(message);
    }),
    smtpUrl: env.BREAKGLASS_SMTP_URL || undefined,
    mailFrom: env.BREAKGLASS_MAIL_FROM || 'breakglass@localhost',
    notifyRetries: int(env, 'BREAKGLASS_NOTIFY_RETRIES', 5, 0, 50),
    notifyRetryDelaySeconds: int(env, 'BREAKGLASS_NOTIFY_RETRY_DELAY_SECONDS', 30, 1, 3600),
    captureOnFailure: oneOf(env, 'BREAKGLASS_CAPTURE_ON_FAILURE', ['hold', 'proceed'] as const, 'hold'),
    captureTimeoutSeconds: int(env, 'BREAKGLASS_CAPTURE_TIMEOUT_SECONDS', 300, 1, 24 * 3600),
    webhookSecret: webhookSecret(env),
    publicUrl: publicUrl(env, host),
    providerPollMs: int(env, 'BREAKGLASS_PROVIDER_POLL_MS', 5000, 10, 600_000),
    drillSweepSeconds: int(env, 'BREAKGLASS_DRILL_SWEEP_SECONDS', 60, 1, 86400),
    leaseMarginMs: lease.marginMs,
    internalUrl: internalUrl(env),
    unsafeUnsandboxedLocal: bool(env, 'BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL', false),
    loginRecheckSeconds: int(env, 'BREAKGLASS_LOGIN_RECHECK_SECONDS', 5, 1, 3600),
    trustProxy: trustProxy(env.BREAKGLASS_TRUST_PROXY),
    replacementHostKeyTimeoutSeconds: int(env, 'BREAKGLASS_REPLACEMENT_HOST_KEY_TIMEOUT_SECONDS', 300, 1, 24 * 3600),
  };
}

function internalUrl(env: Env): string | undefined {
  const raw = env.BREAKGLASS_INTERNAL_URL;
  if (!raw) return undefined;
  if (!/^https?:\/\/[^/\s]+$/.test(raw)) throw new ConfigError(`BREAKGLASS_INTERNAL_URL must be a base URL like http://10.0.0.5:8080 (no path), got "${raw}"`);
  return raw;
}

/**
 * The lease: renewed every heartbeat, it lasts dead-after seconds; the fence
 * acts a margin before that. At least two renewals must fit before the fence,
 * or one slow tick would kill every shell.
 */
function leaseSettings(env: Env) {
  const deadAfterSeconds = int(env, 'BREAKGLASS_BROKER_DEAD_AFTER_SECONDS', 60, 2, 86400);
  const heartbeatSeconds = int(env, 'BREAKGLASS_HEARTBEAT_SECONDS', Math.max(1, Math.min(10, Math.floor(deadAfterSeconds / 4))), 1, 3600);
  const marginMs = Math.min(10_000, Math.max(500, (deadAfterSeconds * 1000) / 4));
  if (2 * heartbeatSeconds * 1000 > deadAfterSeconds * 1000 - marginMs) {
    throw new ConfigError(
      `BREAKGLASS_HEARTBEAT_SECONDS (${heartbeatSeconds}) must leave two renewals inside BREAKGLASS_BROKER_DEAD_AFTER_SECONDS (${deadAfterSeconds}) minus the fence's margin (${marginMs} ms)`,
    );
  }
  return { deadAfterSeconds, heartbeatSeconds, marginMs };
}
