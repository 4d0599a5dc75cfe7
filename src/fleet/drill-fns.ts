// Pure rules of drills: a daily UTC window "HH:MM-HH:MM" (it may wrap past
// midnight; "00:00-24:00" is all day) inside which hosts older than their
// environment's maximum age are replaced, so that replacement is practised
// every week rather than discovered broken during an incident.
export const DRILL_WINDOW_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d-(([01]\\d|2[0-3]):[0-5]\\d|24:00)$';

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A window that starts where it ends ("10:00-10:00") holds no minute at all. */
export const emptyWindow = (window: string) => window.slice(0, 5) === window.slice(6, 11);

export function inWindow(window: string, now: Date): boolean {
  const [from, to] = window.split('-') as [string, string];
  const start = minutes(from);
  const end = minutes(to);
  const t = now.getUTCHours() * 60 + now.getUTCMinutes();
  return start <= end ? t >= start && t < end : t >= start || t < end;
}

export interface Finished {
  environment: string;
  provider: string;
  status: string;
  seconds: number;
}

const percentile = (sorted: number[], p: number) => {
  if (!sorted.length) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo));
};

/** Success rate and time to replace (p50/p95 of the succeeded ones, seconds) per environment and provider. */
export function replacementRecord(rows: Finished[]) {
  const groups = new Map<string, Finished[]>();
  for (const r of rows) groups.set(`${r.environment}\u0000${r.provider}`, [...(groups.get(`${r.environment}\u0000${r.provider}`) ?? []), r]);
  return [...groups.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, list]) => {
      const [environment, provider] = key.split('\u0000') as [string, string];
      const ok = list
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.seconds)
        .sort((a, b) => a - b);
      return {
        environment,
        provider,
        finished: list.length,
        succeeded: ok.length,
        successRate: ok.length / list.length,
        p50Seconds: percentile(ok, 50),
        p95Seconds: percentile(ok, 95),
      };
    });
}
