// How a request is shown (its facts and approvals) and how an approver decides on it.
import { api, messageOf } from '../api';
import { alertBox, el, field, replace, uid } from '../dom';
import { ageOf, dateTime } from '../format';
import { hasRole } from '../page';
import type { AccessRequest, User } from '../types';

export function requestFacts(r: AccessRequest): HTMLElement {
  const approvals = r.approvals.filter((a) => a.decision === 'approve').length;
  const row = (term: string, ...value: (Node | string)[]) => [el('dt', null, term), el('dd', null, ...value)];
  return el(
    'dl',
    { class: 'facts' },
    row('Requester', r.requester),
    row('Host', el('a', { href: `/fleet?environment=${encodeURIComponent(r.environment)}` }, r.hostName), ` (${r.environment})`),
    row('Reason', el('span', { class: 'reason' }, r.reason)),
    row('Ticket', r.ticket ?? '—'),
    row('Duration', `${r.durationMinutes} min`),
    row('Requested', `${ageOf(r.createdAt)} ago`),
    row('Approvals', el('span', { 'data-testid': 'approval-count' }, `${approvals} of ${r.approvalsRequired}`)),
  );
}

export function approvalList(r: AccessRequest): HTMLElement | null {
  if (r.approvals.length === 0) return null;
  return el(
    'ul',
    { class: 'approvals' },
    r.approvals.map((a) =>
      el(
        'li',
        null,
        el('strong', null, a.approver),
        a.decision === 'approve' ? ' approved' : ' denied',
        a.comment ? el('span', null, ': “', a.comment, '”') : null,
        el('span', { class: 'muted' }, ` · ${dateTime(a.at)}`),
      ),
    ),
  );
}

/**
 * Approve/deny for a pending request. The comment field survives live
 * refreshes because the caller keeps this element for the same request.
 */
export function decisionControls(r: AccessRequest, user: User, decided: () => void): HTMLElement {
  if (!hasRole(user, 'approver') || r.status !== 'pending') return el('div');
  if (r.requesterId === user.id || r.requester === user.username) {
    return el('p', { class: 'own-request' }, 'You cannot approve your own request');
  }
  if (r.approvals.some((a) => a.approver === user.username)) {
    return el('p', { class: 'muted' }, 'You approved this request; waiting for other approvers.');
  }
  const comment = el('textarea', { name: 'comment', rows: 2, id: uid('comment') });
  const commentField = field('Comment', comment, 'Optional when approving, required when denying.');
  const status = el('div', { class: 'form-status' });
  const approve = el('button', { type: 'button', class: 'primary' }, 'Approve');
  const deny = el('button', { type: 'button', class: 'danger' }, 'Deny');
  approve.setAttribute('aria-label', `Approve ${r.requester}'s request for ${r.hostName}`);
  deny.setAttribute('aria-label', `Deny ${r.requester}'s request for ${r.hostName}`);
  const act = async (decision: 'approve' | 'deny') => {
    commentField.setError(null);
    replace(status);
    if (decision === 'deny' && !comment.value.trim()) {
      commentField.setError('Say why you deny it.');
      comment.focus();
      return;
    }
    approve.disabled = deny.disabled = true;
    try {
      if (decision === 'approve') await api.approve(r.id, comment.value.trim() || undefined);
      else await api.deny(r.id, comment.value.trim());
      decided();
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
      approve.disabled = deny.disabled = false;
    }
  };
  approve.addEventListener('click', () => void act('approve'));
  deny.addEventListener('click', () => void act('deny'));
  return el('div', { class: 'decision' }, commentField.wrapper, status, el('div', { class: 'actions' }, approve, deny));
}

export function revokeButton(r: AccessRequest, user: User, done: () => void): HTMLElement | null {
  const own = r.requesterId === user.id;
  if (r.status !== 'approved' || !(own || hasRole(user, 'approver', 'admin'))) return null;
  const label = own ? 'End access now' : 'Revoke access';
  const box = el('div', { class: 'revoke' });
  const ask = () => {
    const yes = el('button', { type: 'button', class: 'danger' }, own ? 'Yes, end it' : 'Yes, revoke');
    const no = el('button', { type: 'button' }, 'Cancel');
    const status = el('div', { class: 'form-status' });
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        await api.revoke(r.id);
        done();
      } catch (error) {
        replace(status, alertBox(messageOf(error)));
        yes.disabled = no.disabled = false;
      }
    });
    no.addEventListener('click', initial);
    replace(
      box,
      el(
        'p',
        { role: 'alert' },
        own
          ? `End your access to ${r.hostName}? Open sessions are killed at once.`
          : `Revoke ${r.requester}'s access to ${r.hostName}? Open sessions are killed at once.`,
      ),
      status,
      el('div', { class: 'actions' }, yes, no),
    );
    yes.focus();
  };
  function initial() {
    const button = el('button', { type: 'button', class: 'danger', onclick: ask }, label);
    // The visible words first, so voice control users can say what they see (WCAG 2.5.3).
    button.setAttribute('aria-label', own ? `${label}: ${r.hostName}` : `${label}: ${r.requester} on ${r.hostName}`);
    replace(box, button);
  }
  initial();
  return box;
}
