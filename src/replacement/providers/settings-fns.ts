// Validation of a host's `connectorConfig.replacement` settings for the cloud
// providers, at host creation: a host is never stored with settings its
// provider would refuse at replacement time. No credential is ever a setting:
// they come from the provider's standard chain (AWS environment, profile or
// role; kubeconfig or the in-cluster service account; the webhook secret from
// the broker's environment).
export class ProviderSettingsError extends Error {}

type Raw = Record<string, unknown>;

function only(raw: Raw, provider: string, keys: string[]): void {
  const extra = Object.keys(raw).filter((k) => k !== 'provider' && !keys.includes(k));
  if (extra.length) throw new ProviderSettingsError(`the ${provider} provider has no settings ${extra.join(', ')} (it takes: ${keys.join(', ')})`);
}

function text(raw: Raw, key: string, pattern: RegExp, what: string, required = true): string | undefined {
  const v = raw[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !pattern.test(v)) throw new ProviderSettingsError(`replacement.${key} must be ${what}`);
  return v;
}

function whole(raw: Raw, key: string, fallback: number, min: number, max: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new ProviderSettingsError(`replacement.${key} must be an integer from ${min} to ${max}`);
  return v;
}

function flag(raw: Raw, key: string, fallback: boolean): boolean {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ProviderSettingsError(`replacement.${key} must be true or false`);
  return v;
}

export interface AwsAsgSettings {
  provider: 'aws-asg';
  region: string;
  autoScalingGroup: string;
  instanceId: string;
  healthCheck: boolean;
  snapshot: boolean;
  address: 'private' | 'public';
  timeoutSeconds: number;
}

export function parseAwsAsg(raw: Raw): AwsAsgSettings {
  only(raw, 'aws-asg', ['region', 'autoScalingGroup', 'instanceId', 'healthCheck', 'snapshot', 'address', 'timeoutSeconds']);
  const address = raw.address ?? 'private';
  if (address !== 'private' && address !== 'public') throw new ProviderSettingsError('replacement.address must be "private" or "public"');
  return {
    provider: 'aws-asg',
    region: text(raw, 'region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like eu-west-1')!,
    autoScalingGroup: text(raw, 'autoScalingGroup', /^[\w.:/@+=-]{1,255}$/, "the Auto Scaling group's name")!,
    instanceId: text(raw, 'instanceId', /^i-[0-9a-f]{8,17}$/, "the host's current EC2 instance id (i-…)")!,
    healthCheck: flag(raw, 'healthCheck', true),
    snapshot: flag(raw, 'snapshot', true),
    address,
    timeoutSeconds: whole(raw, 'timeoutSeconds', 900, 1, 24 * 3600),
  };
}

export interface KubernetesSettings {
  provider: 'kubernetes';
  namespace: string;
  pod: string;
  mode: 'pod' | 'node';
  logLines: number;
  timeoutSeconds: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseKubernetes(raw: Raw): KubernetesSettings {
  only(raw, 'kubernetes', ['namespace', 'pod', 'mode', 'logLines', 'timeoutSeconds']);
  const mode = raw.mode ?? 'pod';
  if (mode !== 'pod' && mode !== 'node')
    throw new ProviderSettingsError('replacement.mode must be "pod" (delete the pod) or "node" (cordon, drain and delete its node)');
  return {
    provider: 'kubernetes',
    namespace: text(raw, 'namespace', DNS_LABEL, 'a Kubernetes namespace name')!,
    pod: text(raw, 'pod', DNS_NAME, "the host's current pod name")!,
    mode,
    logLines: whole(raw, 'logLines', 500, 0, 10_000),
    timeoutSeconds: whole(raw, 'timeoutSeconds', 600, 1, 24 * 3600),
  };
}

export interface WebhookSettings {
  provider: 'webhook';
  url: string;
  statusUrl?: string;
  timeoutSeconds: number;
  /** Post a signed capture job (phase "capture") before the replace job of a touched host. */
  capture: boolean;
}

function httpUrl(raw: Raw, key: string, required: boolean): string | undefined {
  const v = raw[key];
  if (v === undefined && !required) return undefined;
  let url: URL | undefined;
  try {
    url = typeof v === 'string' && v.length <= 2048 ? new URL(v) : undefined;
  } catch {
    /* reported below */
  }
  if (!url || !['https:', 'http:'].includes(url.protocol) || url.username || url.password) {
    throw new ProviderSettingsError(`replacement.${key} must be an http(s) URL without credentials`);
  }
  return url.toString();
}

export function parseWebhook(raw: Raw): WebhookSettings {
  only(raw, 'webhook', ['url', 'statusUrl', 'timeoutSeconds', 'capture']);
  const statusUrl = httpUrl(raw, 'statusUrl', false);
  return {
    provider: 'webhook',
    url: httpUrl(raw, 'url', true)!,
    ...(statusUrl ? { statusUrl } : {}),
    timeoutSeconds: whole(raw, 'timeoutSeconds', 900, 1, 24 * 3600),
    capture: flag(raw, 'capture', false),
  };
}

export const PROVIDER_SETTINGS: Record<string, (raw: Raw) => object> = {
  'aws-asg': parseAwsAsg,
  kubernetes: parseKubernetes,
  webhook: parseWebhook,
};
