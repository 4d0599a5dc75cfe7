// The watch bar's "Revoke access": an approver watching a session can end it
// from there, after saying whose access to which host is being ended.
import { api, messageOf } from '../api';
import type { DisposableStore } from '../disposable';
import { el, replace } from '../dom';
import type { Session } from '../types';

export function watchRevoke(session: Session, store: DisposableStore): HTMLElement {
  const box = el('span', { class: 'watch-revoke' });
  const initial = () => replace(box, el('button', { type: 'button', class: 'danger small', onclick: ask }, 'Revoke access'));
  function ask() {
    const yes = el('button', { type: 'button', class: 'danger small' }, 'Yes, revoke');
    const no = el('button', { type: 'button', class: 'small', onclick: initial }, 'Cancel');
    const status = el('span', { role: 'status' });
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        await api.revoke(session.requestId);
      } catch (error) {
        if (store.isDisposed) return;
        status.textContent = messageOf(error);
        yes.disabled = no.disabled = false;
      }
    });
    replace(
      box,
      el('span', { role: 'alert' }, `Revoke ${session.user}'s access to ${session.hostName}? The shell is killed at once. `),
      yes,
      ' ',
      no,
      ' ',
      status,
    );
    yes.focus();
  }
  initial();
  return box;
}
