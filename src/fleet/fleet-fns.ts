// Pure rules of fleet consistency: which hosts are exceptions ("one weird
// box"), why, and since when. A host is an exception when it runs another
// image version than its environment's target (or, where none is set, than
// most of its peers: the environment's most common version), when it was touched by hand and not yet
// replaced, when its replacement failed, or when it is older than the
// environment's maximum host age.
export type ReasonKind = 'off_target' | 'off_peers' | 'touched' | 'failed' | 'too_old';
export const REASON_KINDS: ReasonKind[] = ['off_target', 'off_peers', 'touched', 'failed', 'too_old'];

export interface FleetHost {
  id: string;
  environment: string;
  state: string;
  imageVersion: string;
  taintedAt: Date | null;
  builtAt: Date;
  failedAt: Date | null;
}

export interface EnvironmentSettings {
  name: string;
  targetVersion: string | null;
  maxHostAgeHours: number | null;
  updatedAt: Date;
}

export interface Reason {
  kind: ReasonKind;
  why: string;
  since: Date;
}

const later = (a: Date, b: Date) => (a > b ? a : b);

/** The most common version among hosts (ties: the highest string), or undefined for an empty list. */
export function peerVersion(versions: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))[0]?.[0];
}

export function reasonsOf(host: FleetHost, env: EnvironmentSettings | undefined, peers: string | undefined, now: Date): Reason[] {
  const out: Reason[] = [];
  if (env?.targetVersion && host.imageVersion !== env.targetVersion) {
    out.push({
      kind: 'off_target',
      why: `runs ${host.imageVersion}; the target of ${host.environment} is ${env.targetVersion}`,
      since: later(host.builtAt, env.updatedAt),
    });
  }
  // Peers are the measure only where no target is set: mid roll-out, the hosts already on the target are right.
  if (!env?.targetVersion && peers && host.imageVersion !== peers) {
    out.push({ kind: 'off_peers', why: `runs ${host.imageVersion}; most hosts of ${host.environment} run ${peers}`, since: host.builtAt });
  }
  if (host.state === 'failed')
    out.push({ kind: 'failed', why: 'its replacement failed: it stays out of service until replaced', since: host.failedAt ?? host.taintedAt ?? host.builtAt });
  else if (host.taintedAt) out.push({ kind: 'touched', why: `touched by hand and not yet replaced (${host.state.replace('_', ' ')})`, since: host.taintedAt });
  if (env?.maxHostAgeHours) {
    const limit = new Date(host.builtAt.getTime() + env.maxHostAgeHours * 3600_000);
    if (limit <= now) out.push({ kind: 'too_old', why: `built more than ${env.maxHostAgeHours} h ago (maximum age of ${host.environment})`, since: limit });
  }
  return out;
}

export interface EnvironmentSummary {
  environment: string;
  targetVersion: string | null;
  peerVersion: string | null;
  maxHostAgeHours: number | null;
  hosts: number;
  exceptions: number;
  byKind: Record<ReasonKind, number>;
}

export function fleetReport(hosts: FleetHost[], settings: EnvironmentSettings[], now: Date) {
  const byEnv = new Map<string, FleetHost[]>();
  for (const h of hosts) byEnv.set(h.environment, [...(byEnv.get(h.environment) ?? []), h]);
  for (const s of settings) if (!byEnv.has(s.name)) byEnv.set(s.name, []);
  const exceptions: { hostId: string; reasons: Reason[] }[] = [];
  const environments: EnvironmentSummary[] = [];
  for (const [environment, list] of [...byEnv].sort((a, b) => a[0].localeCompare(b[0]))) {
    const env = settings.find((s) => s.name === environment);
    const peers = peerVersion(list.map((h) => h.imageVersion));
    const byKind = Object.fromEntries(REASON_KINDS.map((k) => [k, 0])) as Record<ReasonKind, number>;
    let count = 0;
    for (const h of list) {
      const reasons = reasonsOf(h, env, peers, now);
      if (!reasons.length) continue;
      count++;
      for (const r of reasons) byKind[r.kind]++;
      exceptions.push({ hostId: h.id, reasons });
    }
    environments.push({
      environment,
      targetVersion: env?.targetVersion ?? null,
      peerVersion: peers ?? null,
      maxHostAgeHours: env?.maxHostAgeHours ?? null,
      hosts: list.length,
      exceptions: count,
      byKind,
    });
  }
  // Longest-standing exception first.
  const first = (e: { reasons: Reason[] }) => Math.min(...e.reasons.map((r) => r.since.getTime()));
  exceptions.sort((a, b) => first(a) - first(b));
  return { environments, exceptions };
}
