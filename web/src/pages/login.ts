import { api, messageOf } from '../api';
import { alertBox, el, field, replace } from '../dom';
import type { User } from '../types';

export function loginPage(root: HTMLElement, message: string | null, loggedIn: (user: User) => void): void {
  const username = el('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = el('div', { class: 'form-status' }, message ? alertBox(message, 'info') : null);
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = el('form', { class: 'card login', novalidate: true },
    el('h1', { tabindex: -1 }, 'breakglass'),
    el('p', { class: 'muted' }, 'Approved, time-boxed, recorded access to immutable hosts.'),
    status,
    field('Username', username).wrapper,
    field('Password', password).wrapper,
    submit);
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
  replace(root, form);
  username.focus();
}
