// The events people hear about, and who hears which by default. A channel of an
// environment subscribes to some of these; the event is queued for it inside the
// transaction of the change it tells about.
export const NOTIFICATION_EVENTS = [
  'request.created', // → the environment's approvers
  'request.approved',
  'request.denied',
  'request.expired', // → the requester
  'extension.requested', // → approvers
  'extension.approved',
  'extension.denied', // → the requester
  'session.started',
  'session.ended',
  'emergency.granted',
  'review.overdue',
  'replacement.failed', // → a channel of the environment's choosing
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

/** Who a default subscription is for: a channel picks an audience or lists events itself. */
export const AUDIENCES: Record<'approvers' | 'requesters' | 'operations', NotificationEventType[]> = {
  approvers: ['request.created', 'extension.requested', 'emergency.granted', 'review.overdue'],
  requesters: ['request.approved', 'request.denied', 'request.expired', 'extension.approved', 'extension.denied'],
  operations: ['session.started', 'session.ended', 'emergency.granted', 'review.overdue', 'replacement.failed'],
};

/** Emergency access is told to every channel of the environment, whatever it subscribed to. */
export const TO_EVERY_CHANNEL: NotificationEventType[] = ['emergency.granted'];

/** Told to the requester in person too, by e-mail to their own address, when they have one and SMTP is configured. */
export const TO_THE_REQUESTER: NotificationEventType[] = AUDIENCES.requesters;
