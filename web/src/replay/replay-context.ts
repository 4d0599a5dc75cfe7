// What an auditor needs beside a recording: why the access was asked for, the
// ticket, who approved it, and the way to the request itself.
import { el } from '../dom';
import { dateTime } from '../format';
import type { AccessRequest, Session } from '../types';

export function replayContext(session: Session, request: AccessRequest | null): HTMLElement {
  if (!request) return el('p', { class: 'muted' }, 'The request of this session is not visible to you.');
  const approvers = request.approvals.filter((a) => a.decision === 'approve');
  return el(
    'section',
    { class: 'card replay-context', 'aria-label': 'Why this session happened', 'data-testid': 'replay-context' },
    el(
      'dl',
      { class: 'facts' },
      el('dt', null, 'Reason'),
      el('dd', null, el('span', { class: 'reason' }, request.reason)),
      el('dt', null, 'Ticket'),
      el('dd', null, request.ticket ?? '—'),
      el('dt', null, 'Approved by'),
      el(
        'dd',
        null,
        approvers.length
          ? approvers.flatMap((a, i) => [i ? ', ' : '', el('strong', null, a.approver), ` at ${dateTime(a.at)}`, a.comment ? ` (“${a.comment}”)` : ''])
          : '—',
      ),
      el('dt', null, 'Request'),
      el('dd', null, el('a', { href: `/requests/${request.id}` }, `${request.requester}'s request for ${session.hostName} (${request.environment})`)),
    ),
  );
}
