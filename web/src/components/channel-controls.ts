// Admin: change or delete a notification channel. Nothing is deleted before the
// admin has read which channel stops hearing what; a change leaves a secret and
// a Slack URL (never shown again) as they are unless new ones are typed.
import { NOTIFICATION_EVENTS } from '../../../src/notifications/notification-events';
import { api, messageOf } from '../api';
import { alertBox, confirmBox, el, field, replace } from '../dom';
import type { NotificationChannel } from '../types';

/** The Edit and Delete buttons of one channel's row; `editor` is where its form opens. */
export function channelControls(channel: NotificationChannel, editor: HTMLElement, status: HTMLElement, changed: () => void): HTMLElement {
  const box = el('div', { class: 'channel-controls' });
  const initial = () =>
    replace(
      box,
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', 'aria-label': `Edit channel ${channel.name}`, onclick: () => openEditor(channel, editor, status, changed) }, 'Edit'),
        el('button', { type: 'button', class: 'danger', 'aria-label': `Delete channel ${channel.name}`, onclick: ask }, 'Delete'),
      ),
    );
  function ask() {
    const yes = el('button', { type: 'button', class: 'danger' }, `Yes, delete ${channel.name}`);
    const no = el('button', { type: 'button', onclick: initial }, 'Cancel');
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        await api.removeNotificationChannel(channel.id);
        replace(status, alertBox(`Channel ${channel.name} deleted.`, 'success'));
        changed();
      } catch (error) {
        replace(status, alertBox(`${channel.name}: ${messageOf(error)}`));
        initial();
      }
    });
    replace(
      box,
      confirmBox(
        `Delete ${channel.name} (${channel.kind}, ${channel.environment})?`,
        `It stops hearing ${channel.events.length} event type(s) at once.`,
        yes,
        no,
      ),
    );
    yes.focus();
  }
  initial();
  return box;
}

function openEditor(channel: NotificationChannel, editor: HTMLElement, status: HTMLElement, changed: () => void): void {
  const slack = channel.kind === 'slack';
  const environment = el('input', { name: 'edit-environment', required: true, value: channel.environment });
  const name = el('input', { name: 'edit-name', required: true, value: channel.name });
  // A Slack URL is a secret: it is shown as its origin only, so it is typed anew or left as it is.
  const target = el('input', { name: 'edit-target', required: !slack, value: slack ? '' : channel.target, placeholder: slack ? 'unchanged' : '' });
  const secret = el('input', { name: 'edit-secret', type: 'password', autocomplete: 'off', placeholder: channel.hasSecret ? 'unchanged' : '' });
  const events = NOTIFICATION_EVENTS.map((e) => el('input', { type: 'checkbox', name: 'edit-event', value: e, checked: channel.events.includes(e) }));
  const formStatus = el('div', { class: 'form-status' });
  const close = () => replace(editor);
  const form = el(
    'form',
    { class: 'card form', 'aria-label': `Edit channel ${channel.name}` },
    el('h3', null, `Edit ${channel.name} (${channel.kind})`),
    field('Environment', environment).wrapper,
    field('Name', name).wrapper,
    field('Target', target, slack ? 'Leave empty to keep the Slack URL' : 'Webhook URL, or e-mail addresses separated by commas').wrapper,
    channel.kind === 'webhook' ? field('Secret', secret, 'Leave empty to keep the secret; at least 16 characters').wrapper : null,
    el(
      'fieldset',
      { class: 'event-choices' },
      el('legend', null, 'Events'),
      events.map((c) => el('label', null, c, ' ', c.value)),
    ),
    formStatus,
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'submit', class: 'primary' }, 'Save channel'),
      el('button', { type: 'button', onclick: close }, 'Cancel'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body: Parameters<typeof api.updateNotificationChannel>[1] = {
      environment: environment.value.trim(),
      name: name.value.trim(),
      events: events.filter((c) => c.checked).map((c) => c.value),
    };
    if (target.value.trim() && target.value.trim() !== channel.target) body.target = target.value.trim();
    if (secret.value) body.secret = secret.value;
    try {
      const saved = await api.updateNotificationChannel(channel.id, body);
      replace(status, alertBox(`Channel ${saved.name} saved.`, 'success'));
      close();
      changed();
    } catch (error) {
      replace(formStatus, alertBox(messageOf(error)));
    }
  });
  replace(editor, form);
  form.scrollIntoView({ block: 'nearest' });
  name.focus();
}
