// The drift ledger: hosts touched by hand and not yet replaced, and the history of replacements.
import { api } from '../api';
import { badge, el, replace, table } from '../dom';
import { ageOf, dateTime, duration } from '../format';
import { heading, loader, type Page } from '../page';
import { replacementRecord } from '../components/replacement-record';

export const driftPage: Page = (root, ctx) => {
  const ledger = el('div');
  const history = el('div');
  const refreshLedger = loader(ledger, ctx.store, api.drift, (entries) =>
    replace(
      ledger,
      table(
        'Drifted hosts',
        ['Host', 'Environment', 'State', 'Drifted for', 'Sessions', 'Replacement'],
        entries.map((d) => ({
          attrs: { 'data-host': d.host.name },
          cells: [
            el('strong', null, d.host.name),
            d.host.environment,
            badge(d.host.state),
            duration(d.ageSeconds),
            el(
              'ul',
              { class: 'plain' },
              d.sessions.map((s) =>
                el(
                  'li',
                  null,
                  s.live
                    ? [badge('live'), ' ', el('a', { href: `/sessions/${s.id}/terminal` }, `${s.user} · since ${dateTime(s.startedAt)}`)]
                    : el('a', { href: `/sessions/${s.id}` }, `${s.user} · ${dateTime(s.startedAt)}`),
                ),
              ),
            ),
            d.sessions.some((s) => s.live) && (!d.replacement || !['scheduled', 'running'].includes(d.replacement.status))
              ? el('span', { class: 'muted' }, 'replaced when the session ends')
              : d.replacement
                ? el(
                    'span',
                    null,
                    badge(d.replacement.status),
                    d.replacement.attempts > 1 ? ` attempt ${d.replacement.attempts}` : '',
                    d.replacement.lastError ? el('div', { class: 'muted' }, d.replacement.lastError) : null,
                  )
                : 'not scheduled',
          ],
        })),
        'No drift: every host runs its image as built.',
      ),
    ),
  );
  const refreshHistory = loader(
    history,
    ctx.store,
    () => api.replacements(),
    (jobs) =>
      replace(
        history,
        table(
          'Replacements',
          ['Host', 'Status', 'Attempts', 'Provider', 'Scheduled', 'Finished', 'Session', 'What changed'],
          jobs.map((j) => ({
            attrs: { 'data-host': j.hostName, 'data-status': j.status },
            cells: [
              j.hostName,
              badge(j.status),
              String(j.attempts),
              j.provider,
              `${ageOf(j.createdAt)} ago`,
              j.finishedAt ? dateTime(j.finishedAt) : '—',
              j.sessionId ? el('a', { href: `/sessions/${j.sessionId}` }, 'Replay') : '—',
              j.capture ? el('a', { href: `/captures/${j.capture.id}` }, j.capture.status === 'failed' ? 'Capture failed' : 'Changes') : '—',
            ],
          })),
          'No replacements yet.',
        ),
      ),
  );
  const record = el('div');
  const refreshRecord = loader(record, ctx.store, api.replacementRecord, (rows) => replace(record, replacementRecord(rows)));
  ctx.store.add(
    ctx.events.subscribe(['host', 'replacement', 'session'], () => {
      void refreshLedger();
      void refreshHistory();
      void refreshRecord();
    }),
  );
  replace(
    root,
    heading('Drift ledger'),
    el('section', { 'aria-labelledby': 'ledger-h' }, el('h2', { id: 'ledger-h' }, 'Hosts touched by hand'), ledger),
    el('section', { 'aria-labelledby': 'history-h' }, el('h2', { id: 'history-h' }, 'Replacement history'), history),
    el('section', { 'aria-labelledby': 'record-h' }, el('h2', { id: 'record-h' }, 'Replacement record'), record),
  );
};
