// The number of requests waiting for this approver, next to "Approvals" in
// the navigation, kept up to date from the live events.
import { api } from '../api';
import type { Disposable } from '../disposable';
import { el, replace } from '../dom';
import type { LiveEvents } from '../events';
import type { User } from '../types';

export class PendingCount implements Disposable {
  readonly element = el('span', { class: 'count', 'data-testid': 'pending-count', hidden: true });
  private readonly subscription: Disposable;
  private disposed = false;

  constructor(
    private readonly user: User,
    events: LiveEvents,
  ) {
    this.subscription = events.subscribe(['request'], () => void this.refresh());
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    const pending = await api.requests('pending').catch(() => null);
    if (!pending || this.disposed) return;
    const waiting = pending.filter((r) => r.requesterId !== this.user.id && !r.approvals.some((a) => a.approver === this.user.username)).length;
    this.element.hidden = waiting === 0;
    replace(this.element, String(waiting), el('span', { class: 'visually-hidden' }, ' waiting'));
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
  }
}
