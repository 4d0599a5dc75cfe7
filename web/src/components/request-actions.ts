// The requester's own ways out of a request: withdraw it while nobody has
// decided, or ask again once it is over.
import { api, messageOf } from '../api';
import { alertBox, el, replace } from '../dom';
import type { AccessRequest, User } from '../types';

const OVER = ['denied', 'expired', 'revoked', 'closed', 'withdrawn'];

export function requestActions(r: AccessRequest, user: User, changed: () => void): HTMLElement | null {
  if (r.requesterId !== user.id) return null;
  if (OVER.includes(r.status)) {
    return el(
      'p',
      { class: 'request-again' },
      el('a', { class: 'button primary', href: `/requests/new?host=${encodeURIComponent(r.hostId)}` }, 'Request again'),
    );
  }
  if (r.status !== 'pending') return null;
  const status = el('div', { class: 'form-status' });
  const button = el('button', { type: 'button' }, 'Withdraw request');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api.withdraw(r.id);
      changed();
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
      button.disabled = false;
    }
  });
  return el('div', { class: 'withdraw' }, status, button);
}
