// Admin: who hears what per environment (notification channels), and the
// deliveries that failed for good.
import { api, messageOf } from '../api';
import { channelControls } from '../components/channel-controls';
import { alertBox, badge, el, field, replace, table } from '../dom';
import { dateTime } from '../format';
import { loader } from '../page';
import type { DisposableStore } from '../disposable';
import type { Policy } from '../types';

export function notificationSettings(store: DisposableStore): HTMLElement {
  const list = el('div');
  const failed = el('div');
  const status = el('div', { class: 'form-status' });
  const editor = el('div');
  const listStatus = el('div', { 'aria-live': 'polite' });
  const refresh = loader(
    list,
    store,
    () => Promise.all([api.notificationChannels(), api.failedDeliveries()]),
    ([channels, deliveries]) => {
      replace(
        list,
        table(
          'Notification channels',
          ['Environment', 'Name', 'Kind', 'Target', 'Events', ''],
          channels.map((c) => ({
            attrs: { 'data-channel-id': c.id },
            cells: [
              badge(c.environment, 'env'),
              c.name,
              c.kind,
              el('code', null, c.target),
              c.events.join(', '),
              channelControls(c, editor, listStatus, () => void refresh()),
            ],
          })),
          'No channel yet: nobody is told of anything.',
        ),
      );
      replace(
        failed,
        table(
          'Failed deliveries',
          ['When', 'Event', 'To', 'Attempts', 'Error'],
          deliveries.map((d) => ({
            cells: [
              dateTime(d.createdAt),
              d.requestId ? el('a', { href: `/requests/${d.requestId}` }, d.eventType) : d.eventType,
              d.channel === null ? `${d.user ?? 'a user'} in person (${d.kind})` : `${d.channel} (${d.kind})`,
              String(d.attempts),
              d.lastError ?? '',
            ],
          })),
          'No failed deliveries.',
        ),
      );
    },
  );
  const environment = el('input', { name: 'channel-environment', required: true, value: 'production' });
  const name = el('input', { name: 'channel-name', required: true });
  const kind = el(
    'select',
    { name: 'channel-kind' },
    ['webhook', 'slack', 'email'].map((k) => el('option', { value: k }, k)),
  );
  const target = el('input', { name: 'channel-target', required: true, placeholder: 'https://… or a@example.com' });
  const secret = el('input', { name: 'channel-secret', type: 'password', autocomplete: 'off' });
  const audiences = ['approvers', 'requesters', 'operations'].map((a) =>
    el('input', { type: 'checkbox', name: 'audience', value: a, checked: a === 'approvers' }),
  );
  const form = el(
    'form',
    { class: 'card form', 'aria-label': 'Add a notification channel' },
    field('Environment', environment).wrapper,
    field('Name', name).wrapper,
    field('Kind', kind).wrapper,
    field('Target', target, 'Webhook or Slack incoming-webhook URL, or e-mail addresses separated by commas').wrapper,
    field('Secret', secret, 'Webhooks only: signs each delivery (HMAC-SHA256), at least 16 characters').wrapper,
    el(
      'fieldset',
      null,
      el('legend', null, 'Who hears'),
      audiences.map((a) => el('label', null, a, ' ', a.value)),
    ),
    status,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Add channel')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api.addNotificationChannel({
        environment: environment.value.trim(),
        name: name.value.trim(),
        kind: kind.value,
        target: target.value.trim(),
        secret: secret.value || undefined,
        audiences: audiences.filter((a) => a.checked).map((a) => a.value),
      });
      replace(status, alertBox(`Channel ${name.value} added.`, 'success'));
      secret.value = '';
      void refresh();
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
    }
  });
  return el(
    'section',
    { 'aria-labelledby': 'notify-h' },
    el('h2', { id: 'notify-h' }, 'Notifications'),
    listStatus,
    list,
    editor,
    form,
    el('h3', null, 'Failed deliveries'),
    failed,
  );
}

/** Per environment: the idle timeout, whether and how the glass may be broken, and how soon it is reviewed. */
export function loopPolicySettings(store: DisposableStore): HTMLElement {
  const region = el('div');
  const status = el('div', { 'aria-live': 'polite' });
  const row = (p: Policy) => {
    const num = (value: number | null | undefined, label: string, min: number, max: number) =>
      el('input', {
        type: 'number',
        min,
        max,
        value: value === null || value === undefined ? '' : String(value),
        'aria-label': `${label} for ${p.environment}`,
        class: 'narrow',
      });
    const idle = num(p.idleTimeoutMinutes, 'Idle timeout in minutes', 1, 1440);
    const allowed = el('input', { type: 'checkbox', checked: p.emergencyAllowed === true, 'aria-label': `Emergency allowed in ${p.environment}` });
    const approvals = el(
      'select',
      { 'aria-label': `Emergency approvals for ${p.environment}` },
      el('option', { value: '0', selected: p.emergencyApprovalsRequired === 0 }, 'at once'),
      el('option', { value: '1', selected: p.emergencyApprovalsRequired === 1 }, 'one approval'),
    );
    const max = num(p.emergencyMaxDurationMinutes, 'Longest emergency in minutes', 1, 10080);
    const hours = num(p.reviewWithinHours, 'Review within hours', 1, 720);
    const save = el(
      'button',
      {
        type: 'button',
        onclick: async () => {
          save.disabled = true;
          try {
            const saved = await api.putFullPolicy({
              environment: p.environment,
              approvalsRequired: p.approvalsRequired,
              minDurationMinutes: p.minDurationMinutes,
              maxDurationMinutes: p.maxDurationMinutes,
              idleTimeoutMinutes: idle.value ? Number(idle.value) : null,
              emergencyAllowed: allowed.checked,
              emergencyApprovalsRequired: Number(approvals.value),
              emergencyMaxDurationMinutes: Number(max.value),
              reviewWithinHours: Number(hours.value),
            });
            replace(
              status,
              alertBox(
                `${saved.environment}: idle ${saved.idleTimeoutMinutes ?? 'never'}, emergency ${saved.emergencyAllowed ? 'allowed' : 'not allowed'}.`,
                'success',
              ),
            );
          } catch (error) {
            replace(status, alertBox(`${p.environment}: ${messageOf(error)}`));
          } finally {
            save.disabled = false;
          }
        },
      },
      `Save ${p.environment}`,
    );
    return { attrs: { 'data-loop-environment': p.environment }, cells: [el('strong', null, p.environment), idle, allowed, approvals, max, hours, save] };
  };
  loader(region, store, api.policies, (list) =>
    replace(
      region,
      table(
        'Idle timeout and emergency access',
        ['Environment', 'Idle timeout (min, empty = never)', 'Emergency allowed', 'Emergency granted', 'Longest emergency (min)', 'Review within (h)', ''],
        list.map(row),
        'No policy yet.',
      ),
    ),
  );
  return el('section', { 'aria-labelledby': 'loop-h' }, el('h2', { id: 'loop-h' }, 'Idle timeout and emergency access'), status, region);
}
