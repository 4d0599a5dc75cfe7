// Administration of accounts (a section of the Admin page): create local
// accounts, disable and re-enable, set roles, reset passwords. Single sign-on
// accounts take their roles from the identity provider and have no password here.
import { api, messageOf } from '../api';
import { alertBox, badge, el, field, replace, table } from '../dom';
import { loader, type PageContext } from '../page';
import type { Role, UserAdmin } from '../types';

const ROLES: Role[] = ['requester', 'approver', 'auditor', 'admin'];
const MIN_PASSWORD = 12;

/** The broker's password rules, said before a round trip. */
function passwordProblem(username: string, password: string): string | undefined {
  if (password.length < MIN_PASSWORD) return `a password needs at least ${MIN_PASSWORD} characters.`;
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'a password must not contain the username.';
  return undefined;
}

function roleBoxes(label: string, checked: string[], disabled = false) {
  const boxes = ROLES.map((role) =>
    el('input', { type: 'checkbox', value: role, checked: checked.includes(role), disabled, 'aria-label': `${role} (${label})` }),
  );
  const group = el(
    'fieldset',
    { class: 'role-boxes' },
    el('legend', { class: 'visually-hidden' }, `Roles of ${label}`),
    ROLES.map((role, i) => el('label', { class: 'check' }, boxes[i]!, ` ${role}`)),
  );
  return { group, value: () => boxes.filter((b) => b.checked).map((b) => b.value as Role) };
}

/** Runs `action` with `button` disabled, reporting into `status`; refreshes the list after a success. */
async function act(button: HTMLButtonElement, status: HTMLElement, action: () => Promise<string>, refresh: () => Promise<void>) {
  button.disabled = true;
  try {
    replace(status, alertBox(await action(), 'success'));
    await refresh();
  } catch (error) {
    replace(status, alertBox(messageOf(error)));
  } finally {
    button.disabled = false;
  }
}

function userRow(user: UserAdmin, me: string, status: HTMLElement, refresh: () => Promise<void>) {
  const sso = user.source === 'sso';
  const roles = roleBoxes(user.username, user.roles, sso);
  const saveRoles: HTMLButtonElement = el(
    'button',
    {
      type: 'button',
      hidden: sso,
      onclick: () =>
        void act(
          saveRoles,
          status,
          async () => `Roles of ${(await api.setUserRoles(user.id, roles.value())).username} saved; their sessions were ended.`,
          refresh,
        ),
    },
    'Save roles',
  );
  const toggle: HTMLButtonElement = el(
    'button',
    {
      type: 'button',
      disabled: user.username === me,
      class: user.disabled ? '' : 'danger',
      onclick: () =>
        void act(
          toggle,
          status,
          async () => {
            const u = user.disabled ? await api.enableUser(user.id) : await api.disableUser(user.id);
            return `${u.username} is ${u.disabled ? 'disabled; their sessions were ended' : 'enabled again'}.`;
          },
          refresh,
        ),
    },
    user.disabled ? 'Enable' : 'Disable',
  );
  const password = el('input', {
    type: 'password',
    autocomplete: 'new-password',
    minlength: MIN_PASSWORD,
    'aria-label': `New password for ${user.username}`,
    placeholder: 'new password',
    class: 'password-input',
  });
  const reset: HTMLButtonElement = el(
    'button',
    {
      type: 'button',
      onclick: () => {
        const problem = passwordProblem(user.username, password.value);
        if (problem) return replace(status, alertBox(`${user.username}: ${problem}`));
        void act(reset, status, async () => `Password of ${(await api.resetUserPassword(user.id, password.value)).username} reset.`, refresh);
      },
    },
    'Reset password',
  );
  return {
    attrs: { 'data-user': user.username },
    cells: [
      el('span', null, el('strong', null, user.username), user.email ? el('div', { class: 'muted' }, user.email) : null),
      sso ? 'single sign-on' : 'local',
      el('span', null, roles.group, saveRoles),
      badge(user.disabled ? 'disabled' : 'active', user.disabled ? 'failed' : 'healthy'),
      el('span', { class: 'user-actions' }, toggle, sso ? null : el('span', null, password, ' ', reset)),
    ],
  };
}

function createForm(status: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const username = el('input', { name: 'new-username', autocomplete: 'off', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const email = el('input', { name: 'new-email', type: 'email', autocomplete: 'off' });
  const password = el('input', { name: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD });
  const roles = roleBoxes('the new user', ['requester']);
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Create user');
  const form = el(
    'form',
    { class: 'card', 'aria-label': 'New local user', novalidate: true },
    el('h3', null, 'New local user'),
    field('Username', username).wrapper,
    field('E-mail (optional)', email, 'Used to keep one person from approving their own request from a second account.').wrapper,
    field('Password', password, `At least ${MIN_PASSWORD} characters.`).wrapper,
    roles.group,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const problem = passwordProblem(username.value.trim(), password.value);
    if (!username.value.trim() || !roles.value().length) return replace(status, alertBox('Give a username and at least one role.'));
    if (problem) return replace(status, alertBox(`New user: ${problem}`));
    void act(
      submit,
      status,
      async () => {
        const user = await api.createUser({
          username: username.value.trim(),
          password: password.value,
          roles: roles.value(),
          ...(email.value ? { email: email.value.trim() } : {}),
        });
        form.reset();
        return `User ${user.username} created.`;
      },
      refresh,
    );
  });
  return form;
}

/** The Users section of the Admin page. */
export function usersSection(ctx: PageContext): HTMLElement {
  const status = el('div', { 'aria-live': 'polite' });
  const list = el('div');
  const refresh: () => Promise<void> = loader(list, ctx.store, api.users, (users) =>
    replace(
      list,
      table(
        'Users',
        ['User', 'Account', 'Roles', 'Status', ''],
        users.map((u) => userRow(u, ctx.user.username, status, refresh)),
        'No users.',
      ),
    ),
  );
  return el(
    'section',
    { 'aria-labelledby': 'users-h' },
    el('h2', { id: 'users-h' }, 'Users'),
    el('p', { class: 'muted' }, 'Disabling an account or changing its roles ends its sessions at once.'),
    status,
    list,
    createForm(status, refresh),
  );
}
