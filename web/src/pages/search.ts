// Search across sessions (auditors): one box over every recording's input
// lines and output; each hit links to its moment in the replay.
import { api } from '../api';
import { el, field, replace } from '../dom';
import { clock, dateTime } from '../format';
import { heading, loader, type Page } from '../page';

/** A datetime-local value (local time) as an ISO instant. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

export const searchPage: Page = (root, ctx) => {
  const q = ctx.query.get('q') ?? '';
  const input = el('input', { type: 'search', name: 'q', value: q, autocomplete: 'off', required: true, minlength: 3 });
  const environment = el('input', { name: 'environment', value: ctx.query.get('environment') ?? '', autocomplete: 'off', placeholder: 'production' });
  const from = el('input', { name: 'from', type: 'datetime-local', value: ctx.query.get('from') ?? '' });
  const to = el('input', { name: 'to', type: 'datetime-local', value: ctx.query.get('to') ?? '' });
  const form = el(
    'form',
    { class: 'card form search-all', role: 'search', 'aria-label': 'Search all recordings', action: '/search' },
    field('Text typed or shown in a session', input, 'At least 3 characters, e.g. systemctl restart. Matches input lines and output.').wrapper,
    el(
      'div',
      { class: 'filters' },
      field('Environment (optional)', environment).wrapper,
      field('Sessions from', from).wrapper,
      field('Sessions until', to).wrapper,
    ),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Search')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams({ q: input.value.trim() });
    for (const c of [environment, from, to]) if (c.value.trim()) params.set(c.name, c.value.trim());
    ctx.navigate(`/search?${params}`);
  });
  const results = el('div', { 'data-testid': 'search-results' });
  replace(root, heading('Search recordings'), form, results);
  if (q.trim().length < 3) return;
  const filter = { environment: environment.value.trim() || undefined, from: instant(from.value), to: instant(to.value) };
  loader(
    results,
    ctx.store,
    () => api.searchRecordings(q.trim(), filter),
    (hits) => {
      if (hits.length === 0) return replace(results, el('p', { class: 'empty', role: 'status' }, `No recording contains “${q}”.`));
      replace(
        results,
        el('p', { role: 'status' }, `${hits.length}${hits.length === 100 ? '+' : ''} match${hits.length === 1 ? '' : 'es'}, newest first.`),
        el(
          'ol',
          { class: 'search-hits' },
          hits.map((h) =>
            el(
              'li',
              null,
              el(
                'a',
                { href: `/sessions/${h.sessionId}?t=${h.atMs}&q=${encodeURIComponent(q.trim())}` },
                `${h.user} on ${h.hostName}`,
                ` · ${dateTime(h.sessionStartedAt)} + ${clock(h.atMs)}`,
              ),
              ' ',
              el('span', { class: 'badge' }, h.kind === 'i' ? 'typed' : 'output'),
              el('pre', { class: 'hit-line' }, h.line),
            ),
          ),
        ),
      );
    },
  );
};
