// Pure rules of access: what a host's state allows, how a grant's window is computed.
import type { PolicyConfig } from '../config.js';

/** States in which a host may be granted and a session opened on it. */

export function durationProblem(minutes: number, policy: PolicyConfig): string | undefined {
  if (minutes < policy.minDurationMinutes || minutes > policy.maxDurationMinutes) {
    return `durationMinutes must be from ${policy.minDurationMinutes} to ${policy.maxDurationMinutes} for this environment`;
  }
  return undefined;
}

/**
 * Refused in free text: control characters other than tab and newline,
 * bidirectional overrides and isolates (which make text read differently
 * from what it is), and invisible characters (zero-width, word joiner, BOM, soft hyphen).
 */
export function hasControlChars(text: string): boolean {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/.test(text);
}

export function windowEnd(approvedAt: Date, durationMinutes: number, minuteMs: number): Date {
  return new Date(approvedAt.getTime() + durationMinutes * minuteMs);
}

export function isInsideWindow(now: Date, approvedAt: Date | null, expiresAt: Date | null): boolean {
  return approvedAt !== null && expiresAt !== null && now >= approvedAt && now < expiresAt;
}
