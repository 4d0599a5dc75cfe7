import type { EndReason } from '../types';

const reasons: Record<EndReason, string> = {
  exit: 'You left the shell; the session is over.',
  expired: 'The access window expired.',
  revoked: 'An approver revoked this access.',
  disconnected: 'The connection was lost for too long; the session was closed.',
  interrupted: 'The broker restarted; the session was interrupted.',
  recording_failed: 'The recording could not be saved, so the session was closed.',
  idle: "No input for the environment's idle timeout; the session was closed.",
};

/** A sentence naming why a session ended. */
export function endReasonLabel(reason: string): string {
  return reasons[reason as EndReason] ?? `The session ended (${reason}).`;
}

/** A broker notice in words: the recording's "session ended: exit" marker is not for people. */
export function noticeText(message: string): string {
  const m = /^session ended: (\w+)$/.exec(message);
  return m ? endReasonLabel(m[1]!) : message;
}
