// Evidence taken from a touched host before its teardown: what changed on it
// while people had a shell there. Each provider knows how to take its own
// (a file diff, volume snapshots, a pod's spec and logs).
import type { ReplaceTarget } from '../providers/provider.js';

export interface Evidence {
  /** What the items are: `file-diff`, `ebs-snapshots`, `pod`, `command-output`. */
  kind: string;
  /** Counts and facts shown in lists and in the audit trail (no file contents). */
  summary: Record<string, unknown>;
  items: unknown[];
}

/** Who touched the host: snapshots and other cloud evidence are tagged with it. */
export interface CaptureContext {
  replacementId: string;
  /** The replacement's attempt this capture runs in (a webhook's capture job is named after it). */
  attempt?: number;
  sessionIds: string[];
  requestIds: string[];
}

/** Evidence already stored when it arrived (a webhook's signed callback, on whichever replica received it). */
export interface DeliveredCapture {
  captureId: string;
  /** Set when the receiver reported that its capture failed. */
  error: string | null;
}

export interface Capturer {
  /** The replacement provider whose hosts this capturer knows how to read. */
  readonly provider: string;
  /** The evidence; null when the host has no capture step configured (nothing is stored). */
  capture(target: ReplaceTarget, signal: AbortSignal, context?: CaptureContext): Promise<Evidence | DeliveredCapture | null>;
}

/** What the broker does when evidence cannot be taken: keep the host (hold) or replace it anyway (proceed). */
export type CaptureFailurePolicy = 'hold' | 'proceed';
