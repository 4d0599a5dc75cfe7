// The audit trail, newest first, filtered by type, actor, subject and time,
// paged by `before=<last id>`; subjects link to their pages, data is shown as
// readable fields; the same filter exports as CSV or JSON; the hash-chain check.
import { api, messageOf } from '../api';
import { alertBox, el, field, replace, table } from '../dom';
import { dateTime } from '../format';
import { heading, loader, type Page } from '../page';
import type { AuditEvent } from '../types';
import { auditDetails, subjectLink } from '../components/audit-details';

const pageSize = 50;
const FILTERS = ['type', 'actor', 'subjectId', 'from', 'to'] as const;
type Filter = Partial<Record<(typeof FILTERS)[number], string>>;

/** A datetime-local value (the browser's local time) as an ISO instant, or undefined. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

export const auditPage: Page = (root, ctx) => {
  const input = (name: string, attrs: Record<string, string> = {}) => el('input', { name, autocomplete: 'off', value: ctx.query.get(name) ?? '', ...attrs });
  const type = input('type', { list: 'audit-types' });
  const actor = input('actor');
  const subject = input('subjectId');
  const from = input('from', { type: 'datetime-local' });
  const to = input('to', { type: 'datetime-local' });
  const types = el('datalist', { id: 'audit-types' });
  const seenTypes = new Set<string>();
  const region = el('div');
  const pager = el('nav', { class: 'pager', 'aria-label': 'Audit pages' });
  const exports = el('p', { class: 'exports' });
  // `cursors[i]` is the `before` of page i; page 0 starts at the newest event.
  const cursors: (string | undefined)[] = [undefined];
  let pageIndex = 0;
  let last: AuditEvent[] = [];

  const filter = (): Filter => ({
    type: type.value.trim() || undefined,
    actor: actor.value.trim() || undefined,
    subjectId: subject.value.trim() || undefined,
    from: instant(from.value),
    to: instant(to.value),
  });

  const drawExports = () => {
    const q = new URLSearchParams(Object.entries({ ...filter(), order: 'desc' }).filter(([, v]) => v) as [string, string][]);
    replace(
      exports,
      'Export these events: ',
      el('a', { href: `/api/audit/export?${q}&format=csv`, download: 'breakglass-audit.csv' }, 'CSV'),
      ' · ',
      el('a', { href: `/api/audit/export?${q}&format=json`, download: 'breakglass-audit.json' }, 'JSON'),
    );
  };

  const refresh = loader(
    region,
    ctx.store,
    () => api.audit({ ...filter(), before: cursors[pageIndex], order: 'desc', limit: pageSize }),
    (events) => {
      last = events;
      for (const e of events)
        if (!seenTypes.has(e.type)) {
          seenTypes.add(e.type);
          types.appendChild(el('option', { value: e.type }));
        }
      replace(
        region,
        table(
          'Audit events',
          ['#', 'When', 'Type', 'Actor', 'Subject', 'Details', 'Hash'],
          events.map((e) => ({
            attrs: { 'data-event-id': e.id },
            cells: [
              e.id,
              el('span', { class: 'nowrap' }, dateTime(e.at)),
              el('code', null, e.type),
              e.actor ?? el('span', { class: 'muted' }, 'the broker'),
              subjectLink(e),
              auditDetails(e.data),
              el('code', { class: 'hash', title: e.hash }, e.hash.slice(0, 12)),
            ],
          })),
          'No audit events here.',
        ),
      );
      drawPager();
    },
  );

  function drawPager() {
    const newer = el('button', { type: 'button', disabled: pageIndex === 0 }, '← Newer');
    const older = el('button', { type: 'button', disabled: last.length < pageSize }, 'Older →');
    newer.addEventListener('click', () => {
      pageIndex -= 1;
      void refresh();
    });
    older.addEventListener('click', () => {
      cursors[pageIndex + 1] = last[last.length - 1].id;
      pageIndex += 1;
      void refresh();
    });
    replace(pager, newer, el('span', null, `Page ${pageIndex + 1}`), older);
  }

  const verifyResult = el('div', { class: 'verify-result', role: 'status', 'data-testid': 'verify-result' });
  const verify = el('button', { type: 'button' }, 'Verify chain');
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    replace(verifyResult, 'Verifying…');
    try {
      const r = await api.verifyAudit();
      replace(
        verifyResult,
        alertBox(
          r.ok ? `Chain intact: ${r.count} events, head ${r.head}.` : `Chain BROKEN after ${r.count} events (head ${r.head}).`,
          r.ok ? 'success' : 'error',
        ),
      );
    } catch (error) {
      replace(verifyResult, alertBox(messageOf(error)));
    } finally {
      verify.disabled = false;
    }
  });

  const form = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter audit events' },
    field('Event type', type).wrapper,
    types,
    field('Actor (username)', actor).wrapper,
    field('Subject id', subject).wrapper,
    field('From', from).wrapper,
    field('To', to).wrapper,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Apply')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cursors.length = 1;
    pageIndex = 0;
    const q = new URLSearchParams();
    for (const [name, control] of [
      ['type', type],
      ['actor', actor],
      ['subjectId', subject],
      ['from', from],
      ['to', to],
    ] as const) {
      if (control.value.trim()) q.set(name, control.value.trim());
    }
    history.replaceState(null, '', `/audit${q.size ? `?${q}` : ''}`);
    drawExports();
    void refresh();
  });
  drawExports();
  // New events only matter on the first (newest) page.
  ctx.store.add(
    ctx.events.subscribe(
      ['request', 'host', 'session', 'replacement'],
      () => {
        if (pageIndex === 0) void refresh();
      },
      500,
    ),
  );
  replace(root, heading('Audit', verify), verifyResult, form, exports, region, pager);
};
