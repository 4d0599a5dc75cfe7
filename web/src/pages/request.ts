import { api, messageOf } from '../api';
import { alertBox, badge, el, replace, table } from '../dom';
import { every } from '../disposable';
import { clock, dateTime } from '../format';
import { hasRole, heading, loader, type Page } from '../page';
import { approvalList, decisionControls, requestFacts, revokeButton } from '../components/request-view';
import { emergencyBanner, extensionList, reviewControls } from '../components/people';
import { replacementNote } from '../components/end-banner';
import { requestActions } from '../components/request-actions';
import type { AccessRequest, Session, User } from '../types';
import { endReasonLabel } from '../terminal/reasons';

export const requestPage: Page = (root, ctx) => {
  const id = ctx.params.id;
  const region = el('div');
  const title = heading('Request');
  replace(root, title, region);
  let tick: (() => void) | null = null;
  ctx.store.add(every(1000, () => tick?.()));

  const refresh = loader(
    region,
    ctx.store,
    async () => {
      const [r, sessions] = await Promise.all([api.request(id), api.sessions({ requestId: id })]);
      return [r, sessions, await api.host(r.hostId).catch(() => null)] as const;
    },
    ([r, sessions, host]) => {
      title.querySelector('h1')!.textContent = `Access to ${r.hostName}`;
      const statusLine = el('p', { class: 'status-line' }, 'Status: ', el('span', { 'data-testid': 'request-status' }, badge(r.status)));
      const windowLine = el('p', { class: 'window', role: 'timer', 'aria-live': 'off' });
      const mine = sessions.find((s) => s.live && s.user === ctx.user.username);
      const open = mine
        ? el('div', { class: 'open-terminal' }, el('a', { class: 'button primary big', href: `/sessions/${mine.id}/terminal` }, 'Return to the live session'))
        : openTerminal(r, ctx.user, sessions.length > 0, (sessionId) => ctx.navigate(`/sessions/${sessionId}/terminal`));
      let wasOpen = isOpen(r);
      tick = () => {
        windowLine.textContent = windowText(r);
        if (wasOpen !== isOpen(r)) {
          wasOpen = !wasOpen;
          void refresh();
        }
      };
      tick();
      replace(
        region,
        emergencyBanner(r),
        statusLine,
        windowLine,
        host && r.requesterId === ctx.user.id && ['pending', 'approved'].includes(r.status)
          ? el('p', { class: 'replacement-note', 'data-testid': 'replacement-note' }, replacementNote(host, sessions.length > 0 && !mine))
          : null,
        open,
        requestActions(r, ctx.user, () => void refresh()),
        el('section', { class: 'card' }, requestFacts(r), approvalList(r)),
        decisionControls(r, ctx.user, () => void refresh()),
        revokeButton(r, ctx.user, () => void refresh()),
        extensionList(r, ctx.user, () => void refresh()),
        reviewControls(r, ctx.user, () => void refresh()),
        sessions.length ? el('section', null, el('h2', null, 'Sessions'), sessionTable(sessions, ctx.user)) : null,
      );
    },
  );
  ctx.store.add(ctx.events.subscribe(['request', 'session', 'host'], () => void refresh()));
};

function isOpen(r: AccessRequest): boolean {
  return r.status === 'approved' && !!r.expiresAt && Date.parse(r.expiresAt) > Date.now();
}

function windowText(r: AccessRequest): string {
  switch (r.status) {
    case 'pending':
      return `Waiting for approval. The request lapses at ${dateTime(r.pendingUntil)}.`;
    case 'approved':
      return isOpen(r)
        ? `Access window open until ${dateTime(r.expiresAt)}: ${clock(Date.parse(r.expiresAt!) - Date.now())} left.`
        : 'The access window has ended.';
    case 'denied':
      return 'This request was denied.';
    case 'expired':
      return 'This request expired.';
    case 'revoked':
      return `Access was revoked${r.closedAt ? ` at ${dateTime(r.closedAt)}` : ''}.`;
    case 'closed':
      return `The access window ended${r.closedAt ? ` at ${dateTime(r.closedAt)}` : ''}.`;
    case 'withdrawn':
      return `You withdrew this request${r.closedAt ? ` at ${dateTime(r.closedAt)}` : ''}.`;
  }
}

function openTerminal(r: AccessRequest, user: User, again: boolean, opened: (sessionId: string) => void): HTMLElement | null {
  if (!isOpen(r) || r.requesterId !== user.id) return null;
  const status = el('div', { class: 'form-status' });
  const button = el('button', { type: 'button', class: 'primary big' }, again ? 'Open a terminal on the fresh instance' : 'Open terminal');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      // A first guess of the size; the terminal sends its real size once it is laid out.
      const cols = Math.max(40, Math.floor(window.innerWidth / 9));
      const rows = Math.max(10, Math.floor((window.innerHeight - 48) / 17));
      const session = await api.openSession(r.id, cols, rows);
      opened(session.id);
    } catch (error) {
      replace(status, alertBox(messageOf(error)));
      button.disabled = false;
    }
  });
  return el('div', { class: 'open-terminal' }, status, button);
}

function sessionTable(sessions: Session[], user: User): HTMLElement {
  return table(
    'Sessions of this request',
    ['Started', 'Ended', 'Result', ''],
    sessions.map((s) => ({
      cells: [
        dateTime(s.startedAt),
        dateTime(s.endedAt),
        s.live ? badge('live') : s.endReason ? endReasonLabel(s.endReason) : '—',
        !s.live
          ? el('a', { href: `/sessions/${s.id}` }, 'Replay')
          : s.user === user.username
            ? el('a', { href: `/sessions/${s.id}/terminal` }, 'Back to the terminal')
            : hasRole(user, 'approver', 'auditor')
              ? el('a', { href: `/sessions/${s.id}/terminal` }, 'Watch live')
              : null,
      ],
    })),
    'No sessions yet.',
  );
}
