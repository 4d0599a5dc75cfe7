// Pages a user cannot use say so, instead of showing buttons the API refuses;
// a broker that cannot be reached says that, instead of asking to log in.
import { el, replace } from '../dom';
import type { Role, User } from '../types';

export function accessDenied(main: HTMLElement, user: User, roles: Role[], home: string): void {
  replace(
    main,
    el('h1', { tabindex: -1 }, 'You do not have access to this page'),
    el(
      'p',
      null,
      `This page is for the ${roles.join(' or ')} role${roles.length > 1 ? 's' : ''}. You are logged in as ${user.username} (${user.roles.join(', ') || 'no roles'}).`,
    ),
    el('p', null, 'Ask an administrator if you need it. ', el('a', { href: home }, 'Go to your start page')),
  );
}

export function unreachablePage(root: HTMLElement, message: string, retry: () => void): void {
  const button = el(
    'button',
    {
      type: 'button',
      class: 'primary',
      onclick: () => {
        button.disabled = true;
        retry();
      },
    },
    'Try again',
  );
  replace(
    root,
    el(
      'main',
      { id: 'main', class: 'login-main' },
      el('h1', { tabindex: -1 }, 'Cannot reach the broker'),
      el(
        'p',
        { role: 'alert' },
        `${message.replace(/^Cannot reach the broker\. ?/, '')} You are not logged out: once the broker answers, you carry on where you were.`.trim(),
      ),
      button,
    ),
  );
}
