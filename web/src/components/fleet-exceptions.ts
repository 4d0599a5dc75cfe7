// The fleet page's lead: "one weird box" made visible. Each environment's
// target and peer version with its count of exceptions, then every exception
// with why and since when, longest-standing first.
import { badge, el, table } from '../dom';
import { ageOf, dateTime } from '../format';
import type { FleetReport } from '../types';

const LABELS: Record<string, string> = { off_target: 'off target', off_peers: 'off peers', touched: 'touched', failed: 'failed', too_old: 'too old' };

export function fleetExceptions(report: FleetReport): HTMLElement {
  const envs = el(
    'ul',
    { class: 'env-summary plain' },
    report.environments.map((e) =>
      el(
        'li',
        { 'data-environment': e.environment, class: e.exceptions ? 'has-exceptions' : '' },
        el('strong', null, e.environment),
        ' ',
        el(
          'span',
          { class: 'muted' },
          `target ${e.targetVersion ?? 'not set'} · most run ${e.peerVersion ?? '—'}${e.maxHostAgeHours ? ` · max age ${e.maxHostAgeHours} h` : ''}`,
        ),
        ' ',
        '— ',
        el(
          'span',
          { 'data-testid': `exceptions-${e.environment}` },
          e.exceptions ? `${e.exceptions} of ${e.hosts} hosts are exceptions` : `all ${e.hosts} hosts consistent`,
        ),
      ),
    ),
  );
  const list = table(
    'Exceptions',
    ['Host', 'Environment', 'Image', 'Why', 'Since'],
    report.exceptions.map((x) => ({
      attrs: { 'data-exception': x.host.name },
      cells: [
        el('strong', null, x.host.name),
        x.host.environment,
        `${x.host.image.name} ${x.host.image.version}`,
        el(
          'ul',
          { class: 'plain reasons' },
          x.reasons.map((r) =>
            el(
              'li',
              { 'data-reason': r.kind },
              badge(LABELS[r.kind] ?? r.kind, r.kind === 'touched' || r.kind === 'failed' ? 'failed' : 'pending'),
              ' ',
              r.why,
            ),
          ),
        ),
        el(
          'ul',
          { class: 'plain' },
          x.reasons.map((r) => el('li', { title: dateTime(r.since) }, `${ageOf(r.since)} ago`)),
        ),
      ],
    })),
    'No exceptions: every host runs what its environment should, untouched and young enough.',
  );
  return el(
    'section',
    { class: 'fleet-exceptions', 'aria-labelledby': 'exceptions-h' },
    el('h2', { id: 'exceptions-h' }, `Exceptions (${report.exceptions.length})`),
    envs,
    list,
  );
}
