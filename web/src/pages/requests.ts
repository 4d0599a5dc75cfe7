import { api } from '../api';
import { badge, el, field, replace, select, table } from '../dom';
import { ageOf } from '../format';
import { heading, loader, type Page } from '../page';

const statuses = ['pending', 'approved', 'denied', 'expired', 'revoked', 'closed'];

export const requestsPage: Page = (root, ctx) => {
  const status = select('status', statuses, ctx.query.get('status') ?? '');
  const region = el('div');
  const refresh = loader(
    region,
    ctx.store,
    () => api.requests(status.value || undefined),
    (requests) =>
      replace(
        region,
        table(
          'Access requests',
          ['Host', 'Requester', 'Reason', 'Status', 'Requested', ''],
          requests.map((r) => ({
            cells: [
              `${r.hostName} (${r.environment})`,
              r.requester,
              el('span', { class: 'reason clamp' }, r.reason),
              badge(r.status),
              `${ageOf(r.createdAt)} ago`,
              el('a', { href: `/requests/${r.id}`, 'aria-label': `Open request for ${r.hostName} by ${r.requester}` }, 'Open'),
            ],
          })),
          'No requests.',
        ),
      ),
  );
  status.addEventListener('change', () => {
    history.replaceState(null, '', `/requests${status.value ? `?status=${status.value}` : ''}`);
    void refresh();
  });
  ctx.store.add(ctx.events.subscribe(['request'], () => void refresh()));
  replace(
    root,
    heading('Requests', el('a', { class: 'button', href: '/requests/new' }, 'Request access')),
    el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter requests', onsubmit: (e) => e.preventDefault() }, field('Status', status).wrapper),
    region,
  );
};
