import { api } from '../api';
import { every } from '../disposable';
import { badge, el, replace, table } from '../dom';
import { ageOf, clock } from '../format';
import { heading, loader, type Page } from '../page';
import { approvalList, decisionControls, requestFacts, revokeButton } from '../components/request-view';
import type { AccessRequest, Session } from '../types';

const liveLink = (s: Session | undefined) =>
  s
    ? el('a', { href: `/sessions/${s.id}/terminal`, 'aria-label': `Watch live: ${s.user} on ${s.hostName}` }, 'Watch live')
    : el('span', { class: 'muted' }, 'no shell open');

export const approvalsPage: Page = (root, ctx) => {
  const pendingRegion = el('div', { class: 'queue' });
  const grantsRegion = el('div');
  // Cards are kept per request (and per approval count) so a live refresh
  // does not wipe a comment an approver is typing.
  const cards = new Map<string, { key: string; node: HTMLElement }>();
  // Likewise a revoke confirmation in progress survives a refresh.
  const revokes = new Map<string, HTMLElement | null>();

  const card = (r: AccessRequest): HTMLElement => {
    const key = `${r.status}:${r.approvals.length}`;
    const kept = cards.get(r.id);
    if (kept && kept.key === key) return kept.node;
    const node = el(
      'article',
      { class: 'card request-card', 'data-request-id': r.id, 'aria-label': `${r.requester} requests ${r.hostName}` },
      el(
        'header',
        null,
        el('h2', null, el('a', { href: `/requests/${r.id}` }, r.hostName)),
        ' ',
        badge(r.environment, 'env'),
        r.emergency ? badge('emergency') : null,
        el('span', { class: 'muted' }, ` · ${ageOf(r.createdAt)} ago`),
      ),
      requestFacts(r),
      approvalList(r),
      decisionControls(r, ctx.user, () => void refresh()),
    );
    cards.set(r.id, { key, node });
    return node;
  };

  const refresh = loader(
    pendingRegion,
    ctx.store,
    () => Promise.all([api.requests('pending'), api.requests('approved'), api.sessions().catch(() => [])]),
    ([pending, approved, sessions]) => {
      for (const id of cards.keys()) if (!pending.some((r) => r.id === id)) cards.delete(id);
      replace(pendingRegion, pending.length ? pending.map(card) : el('p', { class: 'empty' }, 'Nothing to approve. New requests appear here by themselves.'));
      const active = approved.filter((r) => r.expiresAt && Date.parse(r.expiresAt) > Date.now());
      for (const id of revokes.keys()) if (!active.some((r) => r.id === id)) revokes.delete(id);
      for (const r of active)
        if (!revokes.has(r.id))
          revokes.set(
            r.id,
            revokeButton(r, ctx.user, () => void refresh()),
          );
      replace(
        grantsRegion,
        table(
          'Active grants',
          ['Requester', 'Host', 'Reason', 'Time left', 'Session', ''],
          active.map((r) => ({
            cells: [
              r.requester,
              `${r.hostName} (${r.environment})`,
              [
                r.emergency ? badge('emergency') : '',
                el('span', { class: 'reason clamp' }, r.reason),
                r.extensions.some((x) => x.status === 'pending')
                  ? el('a', { href: `/requests/${r.id}`, 'data-testid': 'extension-asked' }, ' · extension asked')
                  : '',
              ],
              clock(Date.parse(r.expiresAt!) - Date.now()),
              liveLink(sessions.find((s) => s.live && s.requestId === r.id)),
              revokes.get(r.id),
            ],
          })),
          'No access is open right now.',
        ),
      );
    },
  );
  ctx.store.add(ctx.events.subscribe(['request', 'session'], () => void refresh()));
  // Ages and time left move on even when nothing changes.
  ctx.store.add(every(30_000, () => void refresh()));

  replace(
    root,
    heading('Approvals'),
    el('section', { 'aria-labelledby': 'pending-h' }, el('h2', { id: 'pending-h', class: 'visually-hidden' }, 'Pending requests'), pendingRegion),
    el('section', { 'aria-labelledby': 'grants-h' }, el('h2', { id: 'grants-h' }, 'Active grants'), grantsRegion),
  );
};
