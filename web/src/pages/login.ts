import { api, messageOf } from '../api';
import { alertBox, el, field, replace } from '../dom';
import type { User } from '../types';

/** What the broker's single sign-on callback says when it sends the browser back here (`?sso=`). */
const SSO_PROBLEMS: Record<string, string> = {
  state: 'The sign-in could not be completed: it expired, was used already or was started in another browser. Try again.',
  provider: 'The identity provider did not sign you in. Try again, or ask the team that runs it.',
  rejected: "The identity provider's answer did not pass the broker's checks, so you were not signed in. Try again; if it keeps happening, tell an admin.",
  disabled: 'Your account is disabled on this broker. Ask an admin.',
};

export function loginPage(root: HTMLElement, message: string | null, loggedIn: (user: User) => void): void {
  const query = new URLSearchParams(location.search);
  const ssoProblem = SSO_PROBLEMS[query.get('sso') ?? ''];
  const status = el('div', { class: 'form-status' }, ssoProblem ? alertBox(ssoProblem) : message ? alertBox(message, 'info') : null);
  const sso = el('div');
  const local = el('div');
  const form = el(
    'form',
    { class: 'card login', novalidate: true },
    el('h1', { tabindex: -1 }, 'breakglass'),
    el('p', { class: 'muted' }, 'Approved, time-boxed, recorded access to immutable hosts.'),
    status,
    sso,
    local,
  );
  replace(root, form);

  void api.providers().then(
    (providers) => {
      if (providers.sso) {
        const next = query.get('next');
        const href = `${providers.sso.startUrl}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
        replace(sso, el('a', { class: 'button primary sso', href }, `Sign in with ${providers.sso.name}`));
        if (providers.localAccounts) append(sso, el('p', { class: 'or' }, 'or with a local account'));
      }
      if (providers.localAccounts || !providers.sso) passwordForm(form, local, status, loggedIn, !providers.sso);
    },
    (error) => replace(status, alertBox(messageOf(error))),
  );
}

function append(parent: HTMLElement, child: HTMLElement) {
  parent.appendChild(child);
}

function passwordForm(form: HTMLFormElement, slot: HTMLElement, status: HTMLElement, loggedIn: (user: User) => void, focus: boolean): void {
  const username = el('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Log in');
  replace(slot, field('Username', username).wrapper, field('Password', password).wrapper, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.value || !password.value) {
      replace(status, alertBox('Enter your username and password.'));
      (username.value ? password : username).focus();
      return;
    }
    submit.disabled = true;
    try {
      const { user } = await api.login(username.value.trim(), password.value);
      loggedIn(user);
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  if (focus) username.focus();
}
