// Where single sign-on lands someone whose groups map to no breakglass role:
// they are not logged in, and this says why and what to do.
import { el, replace } from '../dom';

export function noAccessPage(root: HTMLElement): void {
  replace(
    root,
    el(
      'div',
      { class: 'card login' },
      el('h1', { tabindex: -1 }, 'No access to breakglass yet'),
      el(
        'p',
        null,
        'You signed in at your identity provider, but none of your groups gives you a role here (requester, approver, auditor or admin), so you are not logged in.',
      ),
      el('p', null, 'Ask the people who manage access to add you to the right group, then sign in again.'),
      el('p', null, el('a', { href: '/login' }, 'Back to the login page')),
    ),
  );
}
