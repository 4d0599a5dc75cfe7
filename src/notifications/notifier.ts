// What domain services call to tell people of an event: inside the transaction
// of the change, so a notification is queued exactly when the change commits.
import type { Tx } from '../db/client.js';
import type { NotificationEventType } from './notification-events.js';

export interface Notifier {
  emit(tx: Tx, type: NotificationEventType, requestId: string, extra?: Record<string, unknown>): Promise<void>;
}

/** For services built without notifications (unit tests): tells nobody. */
export const silentNotifier: Notifier = { emit: async () => {} };
