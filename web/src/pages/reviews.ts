// The review queue of emergency access: open ones (overdue first), and those done.
import { api } from '../api';
import { badge, el, replace, table } from '../dom';
import { dateTime } from '../format';
import { heading, loader, type Page } from '../page';
import type { AccessRequest } from '../types';

const row = (r: AccessRequest) => ({
  cells: [
    el('a', { href: `/requests/${r.id}` }, r.hostName),
    r.requester,
    el('span', { class: 'reason clamp' }, r.reason),
    r.review ? dateTime(r.review.dueAt) : '—',
    r.review?.reviewedAt
      ? badge(r.review.outcome ?? 'reviewed')
      : r.review?.overdueAt || (r.review && Date.parse(r.review.dueAt) < Date.now())
        ? badge('overdue', 'failed')
        : badge('open', 'pending'),
  ],
  attrs: { 'data-request-id': r.id },
});

export const reviewsPage: Page = (root, ctx) => {
  const open = el('div');
  const done = el('div');
  const cols = ['Host', 'Requester', 'Reason', 'Review due', 'State'];
  const refresh = loader(
    open,
    ctx.store,
    () => Promise.all([api.reviews('open'), api.reviews('done')]),
    ([o, d]) => {
      const sorted = [...o].sort((a, b) => Date.parse(a.review!.dueAt) - Date.parse(b.review!.dueAt));
      replace(open, table('Emergency access to review', cols, sorted.map(row), 'No emergency access waits for a review.'));
      replace(done, table('Reviewed emergency access', cols, d.map(row), 'None reviewed yet.'));
    },
  );
  ctx.store.add(ctx.events.subscribe(['request'], () => void refresh()));
  replace(
    root,
    heading('Emergency reviews'),
    el(
      'p',
      { class: 'muted' },
      'Emergency access is granted first and answered for afterwards: an approver other than the requester acknowledges it or flags it with a comment.',
    ),
    el('section', null, el('h2', null, 'To review'), open),
    el('section', null, el('h2', null, 'Reviewed'), done),
  );
};
