// The audit trail, oldest first, paged by `after=<last id>`, and the hash-chain check.
import { api, messageOf } from '../api';
import { alertBox, el, field, replace, table } from '../dom';
import { dateTime } from '../format';
import { heading, loader, type Page } from '../page';
import type { AuditEvent } from '../types';

const pageSize = 50;

export const auditPage: Page = (root, ctx) => {
  const type = el('input', { name: 'type', autocomplete: 'off', list: 'audit-types', value: ctx.query.get('type') ?? '' });
  const types = el('datalist', { id: 'audit-types' });
  const seenTypes = new Set<string>();
  const region = el('div');
  const pager = el('nav', { class: 'pager', 'aria-label': 'Audit pages' });
  // `cursors[i]` is the `after` of page i; page 0 starts at the beginning.
  const cursors: (string | undefined)[] = [undefined];
  let pageIndex = 0;
  let last: AuditEvent[] = [];

  const refresh = loader(region, ctx.store, () => api.audit({ after: cursors[pageIndex], type: type.value.trim() || undefined, limit: pageSize }), (events) => {
    last = events;
    for (const e of events) if (!seenTypes.has(e.type)) {
      seenTypes.add(e.type);
      types.appendChild(el('option', { value: e.type }));
    }
    replace(region, table('Audit events', ['#', 'When', 'Type', 'Actor', 'Subject', 'Data', 'Hash'], events.map((e) => ({
      cells: [
        e.id,
        el('span', { class: 'nowrap' }, dateTime(e.at)),
        el('code', null, e.type),
        e.actor ?? '—',
        e.subjectType ? el('span', { title: e.subjectId ?? '' }, `${e.subjectType} ${(e.subjectId ?? '').slice(0, 8)}`) : '—',
        el('code', { class: 'data' }, JSON.stringify(e.data)),
        el('code', { class: 'hash', title: e.hash }, e.hash.slice(0, 12)),
      ],
    })), 'No audit events here.'));
    drawPager();
  });

  function drawPager() {
    const prev = el('button', { type: 'button', disabled: pageIndex === 0 }, '← Previous');
    const next = el('button', { type: 'button', disabled: last.length < pageSize }, 'Next →');
    prev.addEventListener('click', () => { pageIndex -= 1; void refresh(); });
    next.addEventListener('click', () => {
      cursors[pageIndex + 1] = last[last.length - 1].id;
      pageIndex += 1;
      void refresh();
    });
    replace(pager, prev, el('span', null, `Page ${pageIndex + 1}`), next);
  }

  const verifyResult = el('div', { class: 'verify-result', role: 'status', 'data-testid': 'verify-result' });
  const verify = el('button', { type: 'button' }, 'Verify chain');
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    replace(verifyResult, 'Verifying…');
    try {
      const r = await api.verifyAudit();
      replace(verifyResult, alertBox(
        r.ok ? `Chain intact: ${r.count} events, head ${r.head}.` : `Chain BROKEN after ${r.count} events (head ${r.head}).`,
        r.ok ? 'success' : 'error'));
    } catch (error) {
      replace(verifyResult, alertBox(messageOf(error)));
    } finally {
      verify.disabled = false;
    }
  });

  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter audit events' },
    field('Event type', type).wrapper, types, el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cursors.length = 1;
    pageIndex = 0;
    history.replaceState(null, '', `/audit${type.value.trim() ? `?type=${encodeURIComponent(type.value.trim())}` : ''}`);
    void refresh();
  });
  // New events only matter on the last page.
  ctx.store.add(ctx.events.subscribe(['request', 'host', 'session', 'replacement'], () => { if (last.length < pageSize) void refresh(); }, 500));
  replace(root, heading('Audit', verify), verifyResult, form, region, pager);
};
