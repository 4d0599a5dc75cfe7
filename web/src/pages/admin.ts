// Administration: replace a host now (the way out of `failed`), edit each
// environment's access policy, and read the SSH CA key to install on hosts.
import { evidenceKeySection } from '../components/evidence';
import { api, messageOf, type AccessBounds } from '../api';
import { alertBox, badge, el, replace, table } from '../dom';
import { heading, loader, type Page } from '../page';
import type { Host, Policy } from '../types';
import { usersSection } from './admin-users';
import { loopPolicySettings, notificationSettings } from './admin-notifications';

const REPLACEABLE = ['healthy', 'tainted', 'failed'];

function replaceButton(host: Host, status: HTMLElement): HTMLElement {
  const blocked = !REPLACEABLE.includes(host.state) || host.pendingReplacement !== null;
  const button = el('button', {
    type: 'button',
    disabled: blocked,
    'aria-label': `Replace ${host.name} now`,
    onclick: async () => {
      button.disabled = true;
      try {
        await api.replaceHost(host.id);
        replace(status, alertBox(`Replacement of ${host.name} scheduled.`, 'success'));
      } catch (error) {
        replace(status, alertBox(`${host.name}: ${messageOf(error)}`));
        button.disabled = false;
      }
    },
  }, 'Replace now');
  return button;
}

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
    el('input', { type: 'number', min: 1, max, required: true, value: String(policy[name]), 'aria-label': `${label} for ${policy.environment}`, class: 'narrow' });
  const approvals = input('approvalsRequired', 'Approvals needed', 10);
  const min = input('minDurationMinutes', 'Shortest grant in minutes', 10080);
  const max = input('maxDurationMinutes', 'Longest grant in minutes', 10080);
  const save = el('button', {
    type: 'button',
    onclick: async () => {
      const next = { environment: policy.environment, approvalsRequired: Number(approvals.value), minDurationMinutes: Number(min.value), maxDurationMinutes: Number(max.value) };
      const problem = policyProblem(next);
      if (problem) return replace(status, alertBox(`${policy.environment}: ${problem}`));
      save.disabled = true;
      try {
        const saved = await api.putPolicy(next);
        replace(status, alertBox(`Policy for ${saved.environment} saved: ${saved.approvalsRequired} approval(s), ${saved.minDurationMinutes}–${saved.maxDurationMinutes} min.`, 'success'));
      } catch (error) {
        replace(status, alertBox(`${policy.environment}: ${messageOf(error)}`));
      } finally {
        save.disabled = false;
      }
    },
  }, `Save ${policy.environment}`);
  return { attrs: { 'data-environment': policy.environment }, cells: [el('strong', null, policy.environment), approvals, min, max, save] };
}

export const adminPage: Page = (root, ctx) => {
  const hostStatus = el('div', { 'aria-live': 'polite' });
  const hosts = el('div');
  const policyStatus = el('div', { 'aria-live': 'polite' });
  const policies = el('div');
  const ca = el('div');
  const refreshHosts = loader(hosts, ctx.store, api.hosts, (list) =>
    replace(hosts, table('Hosts', ['Host', 'Environment', 'Image', 'State', 'Instance', ''], list.map((h) => ({
      attrs: { 'data-host': h.name },
      cells: [
        el('strong', null, h.name), h.environment, `${h.image.name} ${h.image.version}`,
        el('span', null, badge(h.state), h.pendingReplacement ? el('span', { class: 'muted' }, ` replacement ${h.pendingReplacement.status}`) : null),
        String(h.instance), replaceButton(h, hostStatus),
      ],
    })), 'No hosts.')));
  loader(policies, ctx.store, api.policies, (list) =>
    replace(policies, table('Access policy', ['Environment', 'Approvals', 'Shortest (min)', 'Longest (min)', ''], list.map((p) => policyRow(p, policyStatus)), 'No policy: no environment can be requested.')));
  loader(ca, ctx.store, api.sshCa, (key) =>
    replace(ca,
      el('p', null, 'Install this key as ', el('code', null, 'TrustedUserCAKeys'), ' on every host reached over SSH. Fingerprint: ', el('code', null, key.fingerprint)),
      el('pre', { class: 'key', tabindex: 0, 'aria-label': 'SSH CA public key' }, key.publicKey)));
  ctx.store.add(ctx.events.subscribe(['host', 'replacement'], () => void refreshHosts()));
  replace(root,
    heading('Administration'),
    el('section', { 'aria-labelledby': 'hosts-h' }, el('h2', { id: 'hosts-h' }, 'Hosts'),
      el('p', { class: 'muted' }, 'A failed host stays out of service until it is replaced: fix the cause (image, provider), then replace it here.'),
      hostStatus, hosts),
    el('section', { 'aria-labelledby': 'policy-h' }, el('h2', { id: 'policy-h' }, 'Access policy'), policyStatus, policies),
    el('section', { 'aria-labelledby': 'ca-h' }, el('h2', { id: 'ca-h' }, 'SSH certificate authority'), ca),
    evidenceKeySection(ctx.store),
    usersSection(ctx),
    loopPolicySettings(ctx.store),
    notificationSettings(ctx.store));
};
