// Configuration from the environment, validated once at start-up. A bad value
// stops the broker with a message that names the variable.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PolicyConfig {
  approvalsRequired: number;
  minDurationMinutes: number;
  maxDurationMinutes: number;
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
  /** BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL: local hosts open without a sandbox where none can be made (each session says so). */
  unsafeUnsandboxedLocal: boolean;
  /** How often every replica re-verifies the logins behind its live terminals and event streams. */
  loginRecheckSeconds: number;
  /** BREAKGLASS_TRUST_PROXY: the reverse proxies whose X-Forwarded-For names the client (true: any). */
  trustProxy: boolean | string[];
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
    const ok = [a, lo, hi].every((n) => Number.isInteger(n) && (n as number) >= 0) && (a as number) >= 1 && (lo as number) >= 1 && (hi as number) >= (lo as number);
    if (!ok) throw new ConfigError(`BREAKGLASS_POLICY.${environment} needs integers approvalsRequired >= 1 and 1 <= minDurationMinutes <= maxDurationMinutes`);
    out[environment] = { approvalsRequired: a as number, minDurationMinutes: lo as number, maxDurationMinutes: hi as number };
  }
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

function trustProxy(raw: string | undefined): boolean | string[] {
  if (!raw || raw === '0') return false;
  if (raw === '1') return true;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.some((a) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a))) throw new ConfigError('BREAKGLASS_TRUST_PROXY must be 1 (any proxy) or a comma-separated list of proxy addresses or CIDRs');
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
  const host = env.HOST || '127.0.0.1';
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
    heartbeatSeconds: int(env, 'BREAKGLASS_HEARTBEAT_SECONDS', 10, 1, 3600),
    brokerDeadAfterSeconds: int(env, 'BREAKGLASS_BROKER_DEAD_AFTER_SECONDS', 60, 2, 86400),
    replacementRetryLimit: int(env, 'BREAKGLASS_REPLACEMENT_RETRIES', 5, 0, 100),
    replacementRetryDelaySeconds: int(env, 'BREAKGLASS_REPLACEMENT_RETRY_DELAY_SECONDS', 10, 1, 3600),
    policies: policies(env),
    logLevel: env.BREAKGLASS_LOG_LEVEL || 'info',
    allowedOrigins: (env.BREAKGLASS_ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    secureCookie: bool(env, 'BREAKGLASS_SECURE_COOKIE', false),
    webDir: path.resolve(env.BREAKGLASS_WEB_DIR || 'web/dist'),
    sshCaKeyFile: sshCaKeyFile(env),
    unsafeUnsandboxedLocal: bool(env, 'BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL', false),
    loginRecheckSeconds: int(env, 'BREAKGLASS_LOGIN_RECHECK_SECONDS', 5, 1, 3600),
    trustProxy: trustProxy(env.BREAKGLASS_TRUST_PROXY),
  };
}
