// Signing of webhook jobs, callbacks and status answers: HMAC-SHA256 over
// "<unix seconds>.<body>" with the broker's BREAKGLASS_WEBHOOK_SECRET, sent as
// `x-breakglass-timestamp` and `x-breakglass-signature: sha256=<hex>`. A
// message older or newer than five minutes is refused (no replays).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-breakglass-signature';
export const TIMESTAMP_HEADER = 'x-breakglass-timestamp';
const MAX_SKEW_SECONDS = 300;

export function sign(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${mac}` };
}

/** Why a message is refused, or undefined when it is authentic and fresh. */
export function verify(secret: string, body: string, headers: Record<string, unknown>, now = Date.now()): string | undefined {
  const timestamp = headers[TIMESTAMP_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || typeof signature !== 'string') return 'missing signature or timestamp';
  if (Math.abs(now / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return 'timestamp too old or in the future';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'bad signature';
}

export interface JobResult {
  jobId: string;
  status: 'running' | 'succeeded' | 'failed';
  instanceId?: string;
  address?: string;
  error?: string;
}

/** The shape a receiver answers with, checked field by field. */
export function parseResult(raw: unknown): JobResult | string {
  const r = raw as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'the body must be a JSON object';
  if (typeof r.jobId !== 'string' || r.jobId.length > 100) return "jobId must be the job's id";
  if (!['running', 'succeeded', 'failed'].includes(r.status as string)) return 'status must be running, succeeded or failed';
  const str = (k: string, max: number) =>
    r[k] === undefined ? undefined : typeof r[k] === 'string' && (r[k] as string).length <= max ? (r[k] as string) : null;
  const instanceId = str('instanceId', 255);
  const address = str('address', 255);
  const error = str('error', 1000);
  if (instanceId === null || address === null || error === null) return 'instanceId, address and error must be short strings';
  if (r.status === 'succeeded' && !instanceId) return 'a succeeded job names its new instance (instanceId)';
  return {
    jobId: r.jobId,
    status: r.status as JobResult['status'],
    ...(instanceId ? { instanceId } : {}),
    ...(address ? { address } : {}),
    ...(error ? { error } : {}),
  };
}

export interface CaptureResult {
  jobId: string;
  status: 'running' | 'succeeded' | 'failed';
  capture?: { summary: Record<string, unknown>; items: unknown[] };
  error?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The answer to a capture job: `capture: {summary?: object, items?: array}` when it succeeded. */
export function parseCaptureResult(raw: unknown): CaptureResult | string {
  if (!isObject(raw)) return 'the body must be a JSON object';
  if (typeof raw.jobId !== 'string' || raw.jobId.length > 100) return "jobId must be the job's id";
  if (!['running', 'succeeded', 'failed'].includes(raw.status as string)) return 'status must be running, succeeded or failed';
  if (raw.error !== undefined && (typeof raw.error !== 'string' || raw.error.length > 1000)) return 'error must be a short string';
  const c = raw.capture;
  if (raw.status === 'succeeded') {
    if (!isObject(c)) return 'a succeeded capture job carries its evidence: capture: {summary?: object, items?: array}';
    if (c.summary !== undefined && !isObject(c.summary)) return 'capture.summary must be an object';
    if (c.items !== undefined && !Array.isArray(c.items)) return 'capture.items must be an array';
    const extra = Object.keys(c).filter((k) => k !== 'summary' && k !== 'items');
    if (extra.length) return `capture has no field ${extra.join(', ')} (it takes: summary, items)`;
  } else if (c !== undefined) return 'only a succeeded capture job carries a capture';
  return {
    jobId: raw.jobId,
    status: raw.status as CaptureResult['status'],
    ...(isObject(c) ? { capture: { summary: (c.summary as Record<string, unknown>) ?? {}, items: (c.items as unknown[]) ?? [] } } : {}),
    ...(typeof raw.error === 'string' ? { error: raw.error } : {}),
  };
}
