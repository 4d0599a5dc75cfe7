import { api } from '../api';
import { badge, el, field, replace, select, table } from '../dom';
import { dateTime, duration } from '../format';
import { hasRole, heading, loader, type Page } from '../page';
import type { Session } from '../types';

const endReasons = ['exit', 'expired', 'revoked', 'disconnected', 'interrupted', 'recording_failed', 'idle'];

/** The start and end of a local calendar day ("2026-11-26") as ISO instants. */
function dayBounds(day: string): { from?: string; to?: string } {
  if (!day) return {};
  const start = new Date(`${day}T00:00:00`);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

export const sessionsPage: Page = (root, ctx) => {
  const q = ctx.query;
  const host = select('hostId', [], q.get('hostId') ?? '');
  const user = el('input', { name: 'user', autocomplete: 'off', value: q.get('user') ?? '' });
  const date = el('input', { name: 'date', type: 'date', value: q.get('date') ?? '' });
  const reason = select(
    'endReason',
    [['live', 'still live'], ...endReasons.map((r) => [r, r.replace('_', ' ')] as [string, string])],
    q.get('endReason') ?? '',
  );
  const region = el('div');
  const canWatch = hasRole(ctx.user, 'approver', 'auditor');
  // The host list loads after the sessions, so the chosen host is kept here, not read from the select.
  let hostId = q.get('hostId') ?? '';

  // The broker filters; "still live" is not an end reason, so that one is filtered here.
  const refresh = loader(
    region,
    ctx.store,
    () =>
      api.sessions({
        hostId: hostId || undefined,
        user: user.value.trim() || undefined,
        endReason: reason.value && reason.value !== 'live' ? reason.value : undefined,
        ...dayBounds(date.value),
      }),
    (sessions) => {
      const shown = reason.value === 'live' ? sessions.filter((s) => s.live) : sessions;
      replace(
        region,
        table(
          'Sessions',
          ['Started', 'User', 'Host', 'Length', 'Result', ''],
          shown.map((s: Session) => ({
            attrs: { 'data-session-id': s.id },
            cells: [
              dateTime(s.startedAt),
              s.user,
              s.hostName,
              duration(((s.endedAt ? Date.parse(s.endedAt) : Date.now()) - Date.parse(s.startedAt)) / 1000),
              [s.live ? badge('live') : s.endReason ? badge(s.endReason) : '—', s.emergency ? badge('emergency') : ''],
              el(
                'span',
                { class: 'row-actions' },
                el('a', { href: `/sessions/${s.id}`, 'aria-label': `Replay ${s.user}'s session on ${s.hostName} from ${dateTime(s.startedAt)}` }, 'Replay'),
                s.live && canWatch
                  ? el('a', { href: `/sessions/${s.id}/terminal`, 'aria-label': `Watch ${s.user}'s live session on ${s.hostName}` }, 'Watch')
                  : null,
              ),
            ],
          })),
          'No sessions match these filters.',
        ),
      );
    },
  );

  void api.hosts().then(
    (hosts) => {
      replace(
        host,
        el('option', { value: '' }, 'All'),
        hosts.map((h) => el('option', { value: h.id }, h.name)),
      );
      host.value = hostId;
    },
    () => {},
  );

  const form = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter sessions' },
    field('Host', host).wrapper,
    field('User', user).wrapper,
    field('Date', date).wrapper,
    field('Result', reason).wrapper,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Apply')),
  );
  const apply = () => {
    hostId = host.value;
    const params = new URLSearchParams();
    if (host.value) params.set('hostId', host.value);
    if (user.value.trim()) params.set('user', user.value.trim());
    if (date.value) params.set('date', date.value);
    if (reason.value) params.set('endReason', reason.value);
    history.replaceState(null, '', `/sessions${params.size ? '?' + params : ''}`);
    void refresh();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  for (const control of [host, date, reason]) control.addEventListener('change', apply);
  ctx.store.add(ctx.events.subscribe(['session'], () => void refresh()));
  replace(root, heading('Sessions'), form, region);
};
