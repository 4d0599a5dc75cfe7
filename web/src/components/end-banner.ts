// How a live session ends on the terminal page: why, in words (a normal exit
// is not an alarm), that the host is now being replaced, and where to go next.
import { el, replace } from '../dom';
import { endReasonLabel } from '../terminal/reasons';
import type { Host, Session } from '../types';

const tone = (reason: string | null) => (reason === 'exit' ? 'ok' : reason === 'expired' || reason === 'disconnected' ? 'info' : 'alarm');

/** What happens to the host after a session: said before (form, request, first notice) and after (here). */
export function replacementNote(host: Host, sessionEnded: boolean): string {
  if (sessionEnded && host.state === 'healthy' && !host.taintedAt)
    return `${host.name} has been replaced: it is now a fresh instance (instance ${host.instance}).`;
  return `${host.name} is being replaced: instance ${host.instance} → ${host.instance + 1}. What was changed on it by hand is gone; a new session gets the fresh instance.`;
}

export function endBanner(banner: HTMLElement, session: Session, host: Host | null, reason: string | null, isRequester: boolean): void {
  const kind = tone(reason);
  banner.className = `end-banner end-${kind}`;
  replace(
    banner,
    el('strong', { 'data-testid': 'end-reason', 'data-reason': reason ?? 'unknown' }, reason ? endReasonLabel(reason) : 'The session has ended.'),
    host ? el('span', { 'data-testid': 'replacement-note' }, ' ', replacementNote(host, !session.live)) : null,
    el(
      'span',
      { class: 'end-links' },
      ' ',
      el('a', { href: `/sessions/${session.id}` }, 'Replay the recording'),
      ' · ',
      el('a', { href: `/requests/${session.requestId}` }, 'Back to the request'),
      isRequester && reason !== 'exit' ? [' · ', el('a', { href: `/requests/new?host=${encodeURIComponent(session.hostId)}` }, 'Request again')] : null,
    ),
  );
  banner.hidden = false;
  banner.setAttribute('role', kind === 'alarm' ? 'alert' : 'status');
}
