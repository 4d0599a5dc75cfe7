// The drift page's record of replacement as practice: per environment and
// provider, how many replacements finished, how many succeeded, and how long
// they took (p50/p95), over the last 7 and 30 days.
import { table } from '../dom';
import { duration } from '../format';
import type { ReplacementRecord } from '../types';

const time = (s: number | null) => (s === null ? '—' : duration(s));

export function replacementRecord(rows: ReplacementRecord[]): HTMLElement {
  return table(
    'Replacement record',
    ['Period', 'Environment', 'Provider', 'Succeeded', 'Success rate', 'Time to replace p50', 'p95'],
    rows.map((r) => ({
      attrs: { 'data-record': `${r.days}:${r.environment}:${r.provider}` },
      cells: [
        `${r.days} days`,
        r.environment,
        r.provider,
        `${r.succeeded} of ${r.finished}`,
        `${Math.round(r.successRate * 100)} %`,
        time(r.p50Seconds),
        time(r.p95Seconds),
      ],
    })),
    'No replacement finished in the last 30 days: drills keep replacement practised (set a maximum host age and a drill window).',
  );
}
