// Pure rules of host administration: which connector settings a host may
// have, and what of them the audit trail keeps (fingerprints, not key blobs;
// the replacement program, not its arguments, which may carry tokens).
import { ValidationError } from '../errors.js';
import { CommandConfigError, parseCommandReplacement } from '../replacement/providers/command.js';
import { PROVIDER_SETTINGS, ProviderSettingsError } from '../replacement/providers/settings-fns.js';
import { fingerprint, parseSshHostConfig, SshConfigError } from '../ssh/ssh-fns.js';

export const HOST_NAME_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$';
export const ENVIRONMENT_PATTERN = '^[a-z][a-z0-9_-]{0,31}$';
export const IMAGE_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
export const IMAGE_VERSION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$';
/** A relative path under the data dir for local images, or a reference (AMI id, registry path) for others. */
export const IMAGE_SOURCE_PATTERN = '^(?!/)(?!.*(?:^|/)\\.\\.(?:/|$))[A-Za-z0-9._@:+=/-]{1,300}$';

const MAX_CONFIG_BYTES = 8 * 1024;
const SSH_SETTINGS = ['address', 'port', 'login', 'hostKey', 'hostCaKey'];
/** `network: true` gives a local host's sandbox the machine's network (default: none). */
const LOCAL_SETTINGS = ['network'];

export interface Rules {
  connectors: string[];
  providers: string[];
}

function parseReplacement(raw: unknown, connector: string, rules: Rules): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError('connectorConfig.replacement must be an object like {"provider":"command","argv":["/path/to/program"]}');
  const provider = (raw as { provider?: unknown }).provider;
  if (typeof provider !== 'string' || !rules.providers.includes(provider)) {
    throw new ValidationError(`connectorConfig.replacement.provider must be one of: ${rules.providers.join(', ')}`);
  }
  if (provider === 'command') return { ...parseCommandReplacement(raw) };
  if (PROVIDER_SETTINGS[provider]) return { ...PROVIDER_SETTINGS[provider](raw as Record<string, unknown>) };
  if (provider === 'local-image' && connector !== 'local') throw new ValidationError('the local-image provider replaces local hosts only');
  if (Object.keys(raw).length !== 1) throw new ValidationError(`the ${provider} provider takes no settings`);
  return { provider };
}

/** Validates a host's connector settings and returns exactly what is stored. */
export function checkConnectorConfig(connector: string, raw: unknown, rules: Rules): Record<string, unknown> {
  if (!rules.connectors.includes(connector)) {
    throw new ValidationError(`unknown connector "${connector}"; this broker has: ${rules.connectors.join(', ')}`);
  }
  const config = (raw ?? {}) as Record<string, unknown>;
  if (typeof config !== 'object' || Array.isArray(config)) throw new ValidationError('connectorConfig must be an object');
  if (JSON.stringify(config).length > MAX_CONFIG_BYTES) throw new ValidationError('connectorConfig is too large');
  try {
    const { replacement, ...rest } = config;
    const allowed = connector === 'ssh' ? SSH_SETTINGS : connector === 'local' ? LOCAL_SETTINGS : undefined;
    if (allowed) onlyKnown(rest, allowed);
    if (connector === 'local' && rest.network !== undefined && typeof rest.network !== 'boolean')
      throw new ValidationError('connectorConfig.network must be true or false');
    const out: Record<string, unknown> = connector === 'ssh' ? { ...parseSshHostConfig(rest) } : { ...rest };
    if (replacement !== undefined) out.replacement = parseReplacement(replacement, connector, rules);
    return out;
  } catch (err) {
    if (err instanceof SshConfigError || err instanceof CommandConfigError || err instanceof ProviderSettingsError) throw new ValidationError(err.message);
    throw err;
  }
}

function onlyKnown(config: Record<string, unknown>, keys: string[]): void {
  const extra = Object.keys(config).filter((k) => !keys.includes(k));
  if (extra.length) throw new ValidationError(`connectorConfig has unknown settings: ${extra.join(', ')}`);
}

/** What the audit trail records of a host's connector settings. */
export function configSummary(connector: string, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { connector };
  for (const k of ['address', 'port', 'login']) if (config[k] !== undefined) out[k] = config[k];
  if (typeof config.hostKey === 'string') out.hostKey = fingerprint(config.hostKey);
  if (typeof config.hostCaKey === 'string') out.hostCaKey = fingerprint(config.hostCaKey);
  const r = config.replacement as { provider?: string; argv?: string[] } | undefined;
  if (r) out.replacement = { provider: r.provider, program: r.argv?.[0] ?? null };
  return out;
}
