import { api, ApiError, messageOf } from '../api';
import { alertBox, el, field, replace } from '../dom';
import { heading, loader, type Page } from '../page';
import type { Host, Policy } from '../types';

export const newRequestPage: Page = (root, ctx) => {
  const region = el('div');
  replace(root, heading('Request access'), region);
  loader(
    region,
    ctx.store,
    () => Promise.all([api.hosts(), api.policies()]),
    ([hosts, policies]) =>
      replace(
        region,
        requestForm(
          hosts.filter((h) => !h.retiredAt),
          policies,
          ctx.query.get('host'),
          (id) => ctx.navigate(`/requests/${id}`),
        ),
      ),
  );
};

function requestForm(hosts: Host[], policies: Policy[], preselected: string | null, created: (id: string) => void): HTMLElement {
  const policyOf = (host: Host | undefined) => policies.find((p) => p.environment === host?.environment);
  const hostSelect = el(
    'select',
    { name: 'hostId', required: true },
    el('option', { value: '' }, 'Choose a host…'),
    hosts.map((h) =>
      el(
        'option',
        { value: h.id, disabled: h.state !== 'healthy' },
        `${h.name} (${h.environment})${h.state === 'healthy' ? '' : ` — ${h.state.replace('_', ' ')}`}`,
      ),
    ),
  );
  hostSelect.value = hosts.some((h) => h.id === preselected && h.state === 'healthy') ? preselected! : '';
  const reason = el('textarea', { name: 'reason', rows: 3, required: true, maxlength: 2000 });
  const ticket = el('input', { name: 'ticket', maxlength: 200, placeholder: 'INC-1234' });
  const minutes = el('input', { name: 'durationMinutes', type: 'number', inputmode: 'numeric', required: true, step: 1 });
  const policyHint = el('span');
  const replaceHint = el('span', { 'data-testid': 'replacement-note' });
  const hostField = field('Host', hostSelect, replaceHint);
  const reasonField = field('Reason', reason, 'Why do you need a shell on this host? Approvers read this.');
  const ticketField = field('Incident or ticket (optional)', ticket);
  const minutesField = field('Duration in minutes', minutes, policyHint);
  // Break the glass: offered only where the host's environment allows it.
  const emergency = el('input', { type: 'checkbox', name: 'emergency', id: 'emergency' });
  const emergencyHint = el('span', { class: 'hint' });
  const emergencyField = el(
    'div',
    { class: 'field emergency-field', hidden: true },
    el('label', { for: 'emergency' }, emergency, ' Emergency: grant now, reviewed afterwards'),
    emergencyHint,
  );
  const showEmergency = () => {
    const policy = policyOf(hosts.find((h) => h.id === hostSelect.value));
    emergencyField.hidden = !policy?.emergencyAllowed;
    if (emergencyField.hidden) emergency.checked = false;
    emergencyHint.textContent = policy?.emergencyAllowed
      ? ` At most ${policy.emergencyMaxDurationMinutes} minutes; ${policy.emergencyApprovalsRequired ? 'one approval needed' : 'granted at once'}; every channel of ${policy.environment} is told and an approver reviews it within ${policy.reviewWithinHours} h.`
      : '';
  };
  hostSelect.addEventListener('change', showEmergency);
  const status = el('div', { class: 'form-status' });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Request access');

  const showPolicy = () => {
    const host = hosts.find((h) => h.id === hostSelect.value);
    replaceHint.textContent = host
      ? `When your session ends, ${host.name} is replaced by a fresh instance (instance ${host.instance} → ${host.instance + 1}): what you change on it by hand does not stay.`
      : 'Every host you open a shell on is replaced by a fresh instance after the session.';
    const policy = policyOf(host);
    if (!policy) {
      policyHint.textContent = hostSelect.value ? 'No policy for this environment.' : 'Choose a host to see the allowed duration.';
      minutes.removeAttribute('min');
      minutes.removeAttribute('max');
      return;
    }
    minutes.min = String(policy.minDurationMinutes);
    minutes.max = String(policy.maxDurationMinutes);
    if (!minutes.value) minutes.value = String(Math.min(Math.max(30, policy.minDurationMinutes), policy.maxDurationMinutes));
    const n = policy.approvalsRequired;
    policyHint.textContent = `Between ${policy.minDurationMinutes} and ${policy.maxDurationMinutes} minutes; ${policy.environment} hosts need ${n} approval${n === 1 ? '' : 's'}.`;
  };
  hostSelect.addEventListener('change', showPolicy);
  showPolicy();
  showEmergency();

  const validate = (): boolean => {
    const policy = policyOf(hosts.find((h) => h.id === hostSelect.value));
    const n = Number(minutes.value);
    const errors: [ReturnType<typeof field>, HTMLElement, string | null][] = [
      [hostField, hostSelect, hostSelect.value ? null : 'Choose a host.'],
      [reasonField, reason, reason.value.trim() ? null : 'Give a reason.'],
      [
        minutesField,
        minutes,
        !minutes.value || !Number.isInteger(n)
          ? 'Enter a whole number of minutes.'
          : policy && !emergency.checked && (n < policy.minDurationMinutes || n > policy.maxDurationMinutes)
            ? `Choose between ${policy.minDurationMinutes} and ${policy.maxDurationMinutes} minutes.`
            : null,
      ],
    ];
    for (const [f, , message] of errors) f.setError(message);
    const first = errors.find(([, , m]) => m);
    first?.[1].focus();
    return !first;
  };

  const form = el(
    'form',
    { class: 'card form', novalidate: true },
    status,
    hostField.wrapper,
    reasonField.wrapper,
    ticketField.wrapper,
    minutesField.wrapper,
    emergencyField,
    el('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    if (!validate()) return;
    submit.disabled = true;
    try {
      const request = await api.createRequest({
        hostId: hostSelect.value,
        reason: reason.value.trim(),
        ticket: ticket.value.trim() || undefined,
        durationMinutes: Number(minutes.value),
        ...(emergency.checked ? { emergency: true } : {}),
      });
      created(request.id);
    } catch (error) {
      const text = error instanceof ApiError && error.status === 400 ? `The broker did not accept the request: ${error.message}` : messageOf(error);
      replace(status, alertBox(text));
      status.scrollIntoView({ block: 'nearest' });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
