// Roll-outs on the fleet page: the progress of each (replaced, in progress,
// waiting for open sessions, failed), and for admins the form that starts one.
import { api, messageOf } from '../api';
import { alertBox, badge, el, field, replace, select } from '../dom';
import { ageOf } from '../format';
import type { Rollout } from '../types';

export function rolloutProgress(r: Rollout): HTMLElement {
  const p = r.progress;
  const parts = [`${p.replaced} of ${p.total} replaced`];
  if (p.inProgress) parts.push(`${p.inProgress} in progress`);
  if (p.waitingForSessions) parts.push(`${p.waitingForSessions} waiting for open sessions to end`);
  if (p.failed) parts.push(`${p.failed} failed`);
  return el(
    'li',
    { class: 'rollout', 'data-rollout': r.id, 'data-status': r.status },
    el(
      'div',
      null,
      el('strong', null, r.environment),
      ` ${r.from.name} ${r.from.version} → ${r.to.name} ${r.to.version} `,
      badge(r.status),
      el('span', { class: 'muted' }, ` started ${ageOf(r.createdAt)} ago by ${r.createdBy ?? '—'}, ${r.maxUnavailable} at a time`),
    ),
    el('progress', { max: Math.max(1, p.total), value: p.replaced, 'aria-label': `Roll-out of ${r.environment}` }),
    el('div', { 'data-testid': 'rollout-progress' }, parts.join(', ') + '.'),
    r.error ? el('div', { class: 'muted' }, r.error) : null,
  );
}

/** The admin's form: which environment, from which image to which, how many at a time. */
export function rolloutForm(onStarted: () => void): HTMLElement {
  const status = el('div', { 'aria-live': 'polite' });
  const env = select('environment', [], '', null);
  void api
    .hosts()
    .then((hosts) =>
      replace(
        env,
        [...new Set(hosts.map((h) => h.environment))].sort().map((e) => el('option', { value: e }, e)),
      ),
    )
    .catch((error) => replace(status, alertBox(messageOf(error))));
  const from = select('from', [], '', null);
  const to = select('to', [], '', null);
  const max = el('input', { type: 'number', min: 1, max: 100, value: '1', required: true, class: 'narrow' });
  void api
    .images()
    .then((images) => {
      const options = images.map((i) => el('option', { value: i.id }, `${i.name} ${i.version}`));
      replace(
        from,
        options.map((o) => o.cloneNode(true)),
      );
      replace(to, options);
      if (images.length > 1) to.selectedIndex = images.length - 1;
    })
    .catch((error) => replace(status, alertBox(messageOf(error))));
  const form = el(
    'form',
    { class: 'rollout-form', 'aria-label': 'Start a roll-out' },
    field('Environment', env).wrapper,
    field('From image', from).wrapper,
    field('To image', to).wrapper,
    field('Hosts at a time', max).wrapper,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Start roll-out')),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api.startRollout({ environment: env.value, fromImageId: from.value, toImageId: to.value, maxUnavailable: Number(max.value) });
      replace(status, alertBox(`Roll-out of ${r.environment} started: ${r.progress.total} host(s) to move.`, 'success'));
      onStarted();
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
    }
  });
  return form;
}
