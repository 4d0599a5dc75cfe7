// The websocket's control messages (text frames). Binary frames are raw
// terminal bytes both ways. The web client imports these same types.
export const END_REASONS = ['exit', 'expired', 'revoked', 'disconnected', 'interrupted', 'recording_failed', 'idle'] as const;
export type EndReason = (typeof END_REASONS)[number];

/**
 * size: the session's terminal size, sent to watchers when they attach and on
 * every resize, so they draw the shell at its own size (issue 14).
 * watchers: who is watching, sent to the requester when that changes.
 * expires: the grant's end moved (an extension was approved): sent to the
 * requester's terminal and to every watcher, on whichever replica they are.
 */
export type ServerMessage =
  | { type: 'notice'; message: string; expiresAt: string }
  | { type: 'exit'; reason: EndReason }
  | { type: 'size'; cols: number; rows: number }
  | { type: 'watchers'; users: string[] }
  | { type: 'expires'; expiresAt: string };

/**
 * resize: the browser's terminal size. pause/resume: flow control from a
 * browser whose terminal renders slower than the shell writes; the shell is
 * held (the pty is not read) until it resumes, so nothing piles up anywhere.
 */
export type ClientMessage = { type: 'resize'; cols: number; rows: number } | { type: 'pause' } | { type: 'resume' };

export const MAX_COLS = 1000;
export const MAX_ROWS = 500;

/** Parses a text frame from the browser; `{error}` says what is wrong with a malformed one. */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: 'control frame is not JSON' };
  }
  if (typeof msg !== 'object' || msg === null) return { error: 'control frame must be a JSON object' };
  const m = msg as Record<string, unknown>;
  if (m.type === 'pause' || m.type === 'resume') return { type: m.type };
  if (m.type === 'resize') {
    const { cols, rows } = m;
    if (
      !Number.isInteger(cols) ||
      !Number.isInteger(rows) ||
      (cols as number) < 1 ||
      (rows as number) < 1 ||
      (cols as number) > MAX_COLS ||
      (rows as number) > MAX_ROWS
    ) {
      return { error: `resize needs integer cols 1-${MAX_COLS} and rows 1-${MAX_ROWS}` };
    }
    return { type: 'resize', cols: cols as number, rows: rows as number };
  }
  return { error: 'unknown control message type' };
}
