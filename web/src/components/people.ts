// Issue 12 in the pages: the emergency banner, the review of an emergency grant,
// extensions (asked on the terminal page, decided by approvers on the request page).
import { api, messageOf } from '../api';
import { alertBox, el, field, replace, uid } from '../dom';
import { dateTime } from '../format';
import { hasRole } from '../page';
import type { AccessRequest, User } from '../types';

export function emergencyBanner(r: AccessRequest): HTMLElement | null {
  if (!r.emergency) return null;
  const review = r.review;
  const state = !review
    ? 'It needs one approval.'
    : review.reviewedAt
      ? `Reviewed by ${review.reviewer}: ${review.outcome}${review.comment ? ` — “${review.comment}”` : '.'}`
      : `Review by an approver due ${dateTime(review.dueAt)}${review.overdueAt ? ' — OVERDUE' : ''}.`;
  return el(
    'div',
    { class: 'alert alert-error emergency-banner', role: 'status', 'data-testid': 'emergency-banner' },
    el('strong', null, 'Emergency access. '),
    `${r.requester} broke the glass: granted without the usual approvals. `,
    state,
  );
}

/** Acknowledge or flag (with a comment) an emergency grant: approvers other than the requester. */
export function reviewControls(r: AccessRequest, user: User, done: () => void): HTMLElement | null {
  if (!r.review || r.review.reviewedAt || !hasRole(user, 'approver')) return null;
  if (r.requester === user.username) return el('p', { class: 'own-request' }, 'You cannot review your own emergency access');
  const comment = el('textarea', { name: 'review-comment', rows: 2, id: uid('review') });
  const commentField = field('Review comment', comment, 'Required when flagging.');
  const status = el('div', { class: 'form-status' });
  const ack = el('button', { type: 'button', class: 'primary' }, 'Acknowledge');
  const flag = el('button', { type: 'button', class: 'danger' }, 'Flag');
  const act = async (outcome: 'acknowledged' | 'flagged') => {
    commentField.setError(null);
    if (outcome === 'flagged' && !comment.value.trim()) {
      commentField.setError('Say what is wrong.');
      comment.focus();
      return;
    }
    ack.disabled = flag.disabled = true;
    try {
      await api.review(r.id, outcome, comment.value.trim() || undefined);
      done();
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
      ack.disabled = flag.disabled = false;
    }
  };
  ack.addEventListener('click', () => void act('acknowledged'));
  flag.addEventListener('click', () => void act('flagged'));
  return el(
    'section',
    { class: 'card decision' },
    el('h2', null, 'Review this emergency access'),
    commentField.wrapper,
    status,
    el('div', { class: 'actions' }, ack, flag),
  );
}

/** The grant's extensions; approvers other than the requester decide on a pending one. */
export function extensionList(r: AccessRequest, user: User, decided: () => void): HTMLElement | null {
  if (r.extensions.length === 0) return null;
  return el(
    'section',
    { class: 'card' },
    el('h2', null, 'Extensions'),
    el(
      'ul',
      { class: 'approvals' },
      r.extensions.map((x) => {
        const approvals = x.decisions.filter((d) => d.decision === 'approve').length;
        const line = el(
          'li',
          { 'data-testid': 'extension' },
          el('strong', null, `+${x.minutes} min`),
          ` · ${x.status}`,
          x.status === 'pending' ? ` (${approvals} of ${x.approvalsRequired} approvals)` : '',
          el('span', { class: 'reason' }, ` — ${x.reason}`),
        );
        const canDecide =
          x.status === 'pending' && hasRole(user, 'approver') && r.requester !== user.username && !x.decisions.some((d) => d.approver === user.username);
        if (!canDecide) return line;
        const status = el('span', { class: 'form-status' });
        const comment = el('input', { type: 'text', name: 'extension-comment', id: uid('ext-comment'), placeholder: 'comment (required to deny)' });
        const decide = async (decision: 'approve' | 'deny') => {
          if (decision === 'deny' && !comment.value.trim()) {
            replace(status, alertBox('Say why you deny the extension.'));
            comment.focus();
            return;
          }
          try {
            await api.decideExtension(r.id, x.id, decision, comment.value.trim() || undefined);
            decided();
          } catch (error) {
            replace(status, alertBox(messageOf(error)));
          }
        };
        line.append(
          el(
            'div',
            { class: 'extension-decision' },
            el('label', { for: comment.id, class: 'visually-hidden' }, 'Extension comment'),
            comment,
            el('button', { type: 'button', class: 'primary', onclick: () => void decide('approve') }, 'Approve extension'),
            el('button', { type: 'button', class: 'danger', onclick: () => void decide('deny') }, 'Deny extension'),
            status,
          ),
        );
        return line;
      }),
    ),
  );
}

/** On the terminal page: ask for more time, and see what became of the last ask. */
export function extensionPanel(load: () => Promise<AccessRequest>): { element: HTMLElement; refresh: () => Promise<void> } {
  const minutes = el('input', { type: 'number', name: 'extension-minutes', min: 1, value: '15', id: uid('ext-min'), class: 'narrow' });
  const reason = el('input', { type: 'text', name: 'extension-reason', id: uid('ext-reason'), placeholder: 'why more time' });
  const state = el('span', { class: 'muted', role: 'status', 'data-testid': 'extension-state' });
  const ask = el('button', { type: 'submit' }, 'Ask for more time');
  const form = el(
    'form',
    { class: 'extension-form', 'aria-label': 'Ask for more time' },
    el('label', { for: minutes.id }, 'Minutes'),
    minutes,
    el('label', { for: reason.id, class: 'visually-hidden' }, 'Reason'),
    reason,
    ask,
    state,
  );
  let request: AccessRequest | undefined;
  const show = () => {
    const last = request?.extensions.at(-1);
    state.textContent = !last
      ? ''
      : last.status === 'pending'
        ? `Extension of ${last.minutes} min waiting for approval.`
        : `Extension of ${last.minutes} min ${last.status}.`;
    ask.disabled = last?.status === 'pending' || request?.status !== 'approved';
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      reason.focus();
      state.textContent = 'Give a reason.';
      return;
    }
    ask.disabled = true;
    try {
      request = await api.askExtension(request!.id, Number(minutes.value), reason.value.trim());
      reason.value = '';
    } catch (error) {
      state.textContent = messageOf(error);
    }
    show();
  });
  const refresh = async () => {
    request = await load().catch(() => request);
    show();
  };
  return { element: form, refresh };
}
