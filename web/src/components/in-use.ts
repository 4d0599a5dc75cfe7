// Who is on a host in use, and the way to their live session.
import { el } from '../dom';
import { hasRole } from '../page';
import type { Host, Session, User } from '../types';

export function inUseBy(host: Host, live: Session[], user: User): HTMLElement | null {
  const session = live.find((s) => s.hostId === host.id);
  if (!session) return null;
  const own = session.user === user.username;
  const link = own
    ? el('a', { href: `/sessions/${session.id}/terminal` }, 'Back to your terminal')
    : hasRole(user, 'approver', 'auditor')
      ? el('a', { href: `/sessions/${session.id}/terminal`, 'aria-label': `Watch: ${session.user} on ${host.name}` }, 'Watch')
      : null;
  return el('span', { class: 'in-use', 'data-testid': 'in-use' }, ` by ${own ? 'you' : session.user} `, link);
}
