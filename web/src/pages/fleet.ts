import { api } from '../api';
import { every } from '../disposable';
import { badge, el, field, replace, select, table } from '../dom';
import { duration } from '../format';
import { hasRole, heading, loader, type Page } from '../page';
import type { Host, HostState, Replica, Session } from '../types';
import { inUseBy } from '../components/in-use';
import { fleetExceptions } from '../components/fleet-exceptions';
import { rolloutForm, rolloutProgress } from '../components/rollout';
import { ownerCell } from '../components/host-owner';
import { hostKeyLine } from '../components/host-key';

const states: HostState[] = ['healthy', 'in_use', 'tainted', 'replacing', 'failed'];

export const fleetPage: Page = (root, ctx) => {
  const env = select('environment', [], ctx.query.get('environment') ?? '');
  const state = select(
    'state',
    states.map((s) => [s, s.replace('_', ' ')] as [string, string]),
    ctx.query.get('state') ?? '',
  );
  const region = el('div');
  const exceptions = el('div');
  const rollouts = el('div');
  const refreshExceptions = loader(exceptions, ctx.store, api.fleet, (report) => replace(exceptions, fleetExceptions(report)));
  const refreshRollouts = loader(rollouts, ctx.store, api.rollouts, (list) =>
    replace(
      rollouts,
      list.length ? el('ul', { class: 'plain rollouts' }, list.slice(0, 5).map(rolloutProgress)) : el('p', { class: 'empty' }, 'No roll-out yet.'),
    ),
  );
  const rolloutSection = el(
    'section',
    { 'aria-labelledby': 'rollouts-h' },
    el('h2', { id: 'rollouts-h' }, 'Roll-outs'),
    rollouts,
    hasRole(ctx.user, 'admin')
      ? el(
          'details',
          { class: 'start-rollout' },
          el('summary', null, 'Start a roll-out'),
          rolloutForm(() => void refreshRollouts()),
        )
      : null,
  );
  let hosts: Host[] = [];
  let live: Session[] = [];
  let replicas: Replica[] = [];
  const canRequest = hasRole(ctx.user, 'requester');
  const ownerStatus = el('div', { 'aria-live': 'polite' });
  const admin = hasRole(ctx.user, 'admin') ? { status: ownerStatus, done: () => void refresh() } : null;

  const draw = () => {
    const shown = hosts.filter((h) => (!env.value || h.environment === env.value) && (!state.value || h.state === state.value));
    replace(
      region,
      table(
        'Hosts',
        ['Name', 'Environment', 'Image', 'State', 'Drift age', 'Owner replica', ''],
        shown.map((h) => ({
          attrs: { 'data-host': h.name },
          cells: [
            el('div', null, el('strong', null, h.name), hostKeyLine(h)),
            h.environment,
            `${h.image.name} ${h.image.version}`,
            el(
              'span',
              null,
              badge(h.state),
              inUseBy(h, live, ctx.user),
              h.pendingReplacement
                ? el(
                    'span',
                    { class: 'muted' },
                    ` replacement ${h.pendingReplacement.status}${h.pendingReplacement.attempts > 1 ? `, attempt ${h.pendingReplacement.attempts}` : ''}`,
                  )
                : null,
            ),
            h.driftAgeSeconds === null ? '—' : duration(h.driftAgeSeconds),
            ownerCell(h, replicas, admin),
            canRequest && h.state === 'healthy'
              ? el(
                  'a',
                  { class: 'button', href: `/requests/new?host=${encodeURIComponent(h.id)}`, 'aria-label': `Request access to ${h.name}` },
                  'Request access',
                )
              : null,
          ],
        })),
        'No hosts match these filters.',
      ),
    );
  };

  const refresh = loader(
    region,
    ctx.store,
    () => Promise.all([api.hosts(), api.sessions().catch(() => []), api.replicas().catch(() => [])]),
    ([data, sessions, known]) => {
      hosts = data.filter((h) => !h.retiredAt);
      replicas = known;
      live = sessions.filter((s) => s.live);
      const chosen = env.value || (new URLSearchParams(location.search).get('environment') ?? '');
      const envs = [...new Set(hosts.map((h) => h.environment))].sort();
      replace(
        env,
        el('option', { value: '' }, 'All'),
        envs.map((e) => el('option', { value: e }, e)),
      );
      env.value = envs.includes(chosen) ? chosen : '';
      draw();
    },
  );
  const onFilter = () => {
    const q = new URLSearchParams();
    if (env.value) q.set('environment', env.value);
    if (state.value) q.set('state', state.value);
    history.replaceState(null, '', `/fleet${q.size ? '?' + q : ''}`);
    draw();
  };
  env.addEventListener('change', onFilter);
  state.addEventListener('change', onFilter);
  ctx.store.add(
    ctx.events.subscribe(['host', 'replacement', 'session'], () => {
      void refresh();
      void refreshExceptions();
      void refreshRollouts();
    }),
  );
  // Ages and time left move on even when nothing changes.
  ctx.store.add(
    every(30_000, () => {
      void refresh();
      void refreshExceptions();
    }),
  );

  replace(
    root,
    heading('Fleet'),
    exceptions,
    rolloutSection,
    el('h2', null, 'All hosts'),
    el(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter hosts', onsubmit: (e) => e.preventDefault() },
      field('Environment', env).wrapper,
      field('State', state).wrapper,
    ),
    ownerStatus,
    region,
  );
};
