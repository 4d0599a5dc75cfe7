// Administration: replace a host now (the way out of `failed`), edit each
// environment's access policy, and read the SSH CA key to install on hosts.
import { evidenceKeySection } from '../components/evidence';
import { api, messageOf, type AccessBounds } from '../api';
import { alertBox, badge, el, replace, table } from '../dom';
import { heading, loader, type Page } from '../page';
import type { Policy } from '../types';
import { replaceControl, replacementStatus, type ReplacementWatch } from '../components/replace-confirm';
import { usersSection } from './admin-users';
import { loopPolicySettings, notificationSettings } from './admin-notifications';
import { environmentSettings } from '../components/environment-settings';

/** The same bounds the broker enforces, said before a round trip. */
function policyProblem(p: AccessBounds): string | undefined {
  const whole = (n: number, lo: number, hi: number) => Number.isInteger(n) && n >= lo && n <= hi;
  if (!whole(p.approvalsRequired, 1, 10)) return 'approvals needed must be a whole number from 1 to 10.';
  if (!whole(p.minDurationMinutes, 1, 10080) || !whole(p.maxDurationMinutes, 1, 10080)) return 'durations must be whole minutes from 1 to 10080.';
  if (p.maxDurationMinutes < p.minDurationMinutes) return 'the longest grant must not be shorter than the shortest.';
  return undefined;
}

function policyRow(policy: Policy, status: HTMLElement) {
  const input = (name: keyof Policy, label: string, max: number) =>
    el('input', {
      type: 'number',
      min: 1,
      max,
      required: true,
      value: String(policy[name]),
      'aria-label': `${label} for ${policy.environment}`,
      class: 'narrow',
    });
  const approvals = input('approvalsRequired', 'Approvals needed', 10);
  const min = input('minDurationMinutes', 'Shortest grant in minutes', 10080);
  const max = input('maxDurationMinutes', 'Longest grant in minutes', 10080);
  const unsaved = el('span', { class: 'unsaved', role: 'status' });
  const current = () => [approvals.value, min.value, max.value].join('/');
  let saved = current();
  const mark = () => {
    unsaved.textContent = current() === saved ? '' : 'Unsaved changes';
  };
  for (const control of [approvals, min, max]) control.addEventListener('input', mark);
  const save = el(
    'button',
    {
      type: 'button',
      onclick: async () => {
        const next = {
          environment: policy.environment,
          approvalsRequired: Number(approvals.value),
          minDurationMinutes: Number(min.value),
          maxDurationMinutes: Number(max.value),
        };
        const problem = policyProblem(next);
        if (problem) return replace(status, alertBox(`${policy.environment}: ${problem}`));
        save.disabled = true;
        try {
          const done = await api.putPolicy(next);
          saved = current();
          mark();
          replace(
            status,
            alertBox(
              `Policy for ${done.environment} saved: ${done.approvalsRequired} approval(s), ${done.minDurationMinutes}–${done.maxDurationMinutes} min.`,
              'success',
            ),
          );
        } catch (error) {
          replace(status, alertBox(`${policy.environment}: ${messageOf(error)}`));
        } finally {
          save.disabled = false;
        }
      },
    },
    `Save ${policy.environment}`,
  );
  return {
    attrs: { 'data-environment': policy.environment },
    cells: [el('strong', null, policy.environment), approvals, min, max, el('span', null, save, ' ', unsaved)],
  };
}

export const adminPage: Page = (root, ctx) => {
  const hostStatus = el('div', { 'aria-live': 'polite' });
  const hosts = el('div');
  const policyStatus = el('div', { 'aria-live': 'polite' });
  const policies = el('div');
  const ca = el('div');
  let watch: ReplacementWatch | null = null;
  const follow = (list: Parameters<typeof replacementStatus>[1]) => {
    if (!watch) return;
    const now = replacementStatus(watch, list);
    replace(hostStatus, alertBox(now.text, now.failed ? 'error' : now.done ? 'success' : 'info'));
    if (now.done) watch = null;
  };
  const refreshHosts = loader(hosts, ctx.store, api.hosts, (list) => {
    follow(list);
    replace(
      hosts,
      table(
        'Hosts',
        ['Host', 'Environment', 'Image', 'State', 'Instance', ''],
        list.map((h) => ({
          attrs: { 'data-host': h.name },
          cells: [
            el('strong', null, h.name),
            h.environment,
            `${h.image.name} ${h.image.version}`,
            el('span', null, badge(h.state), h.pendingReplacement ? el('span', { class: 'muted' }, ` replacement ${h.pendingReplacement.status}`) : null),
            String(h.instance),
            replaceControl(h, hostStatus, (w) => {
              watch = w;
              void refreshHosts();
            }),
          ],
        })),
        'No hosts.',
      ),
    );
  });
  loader(policies, ctx.store, api.policies, (list) =>
    replace(
      policies,
      table(
        'Access policy',
        ['Environment', 'Approvals', 'Shortest (min)', 'Longest (min)', ''],
        list.map((p) => policyRow(p, policyStatus)),
        'No policy: no environment can be requested.',
      ),
    ),
  );
  loader(ca, ctx.store, api.sshCa, (key) =>
    replace(
      ca,
      el(
        'p',
        null,
        'Install this key as ',
        el('code', null, 'TrustedUserCAKeys'),
        ' on every host reached over SSH. Fingerprint: ',
        el('code', null, key.fingerprint),
      ),
      el('pre', { class: 'key', tabindex: 0, 'aria-label': 'SSH CA public key' }, key.publicKey),
    ),
  );
  ctx.store.add(ctx.events.subscribe(['host', 'replacement'], () => void refreshHosts()));
  replace(
    root,
    heading('Administration'),
    el(
      'section',
      { 'aria-labelledby': 'hosts-h' },
      el('h2', { id: 'hosts-h' }, 'Hosts'),
      el('p', { class: 'muted' }, 'A failed host stays out of service until it is replaced: fix the cause (image, provider), then replace it here.'),
      hostStatus,
      hosts,
    ),
    el('section', { 'aria-labelledby': 'policy-h' }, el('h2', { id: 'policy-h' }, 'Access policy'), policyStatus, policies),
    environmentSettings(ctx.store),
    el('section', { 'aria-labelledby': 'ca-h' }, el('h2', { id: 'ca-h' }, 'SSH certificate authority'), ca),
    evidenceKeySection(ctx.store),
    usersSection(ctx),
    loopPolicySettings(ctx.store),
    notificationSettings(ctx.store),
  );
};
