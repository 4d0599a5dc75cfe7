// Replacement by the operator's own service: the broker POSTs a signed JSON
// job to the host's `url` and waits for the job's signed result, either
// called back to POST /api/replacements/:id/callback (on any replica: results
// are kept in Postgres as `replacement.callback` audit events) or, with a
// `statusUrl`, polled there. The result names the new instance.
import type { PrismaClient } from '../../db/client.js';
import type { NewInstance, ReplacementProvider, ReplaceTarget } from './provider.js';
import { parseWebhook } from './settings-fns.js';
import { parseResult, sign, verify, type JobResult } from './webhook-fns.js';

export interface WebhookOptions {
  secret: string;
  /** The broker's public URL, for the callback address given in each job. */
  publicUrl: string;
  prisma: PrismaClient;
  pollMs?: number;
  /** Timeout of one HTTP exchange with the receiver. */
  requestTimeoutMs?: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const callbackUrlOf = (publicUrl: string, replacementId: string) => new URL(`/api/replacements/${replacementId}/callback`, publicUrl).toString();

export const jobIdOf = (replacementId: string, attempt: number) => `${replacementId}.${attempt}`;

export const captureJobIdOf = (replacementId: string, attempt: number) => `${jobIdOf(replacementId, attempt)}.capture`;
/** The host and image a job (capture or replace) is about, as the operator's service reads them. */
export function jobTarget(target: ReplaceTarget) {
  const { host } = target;
  return {
    host: { id: host.id, name: host.name, environment: host.environment, instance: host.instance, instanceId: host.instanceRef ?? null },
    image: target.image,
  };
}

/** The `replacement.step`s that record a job as issued, just before it is posted: only their results are accepted. */
export const JOB_ISSUED = 'webhook.job_issued';
export const CAPTURE_JOB_ISSUED = 'webhook.capture_job_issued';

/** Signed exchanges with the operator's receiver, shared by replace jobs and capture jobs. */
export function webhookClient(opts: WebhookOptions) {
  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;

  async function exchange(url: string, method: 'POST' | 'GET', body: string): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await fetch(url, {
      method,
      redirect: 'error',
      signal: AbortSignal.timeout(requestTimeoutMs),
      headers: { ...sign(opts.secret, body), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body } : {}),
    });
    return { status: res.status, text: (await res.text()).slice(0, 512 * 1024), headers: res.headers };
  }

  return {
    /** Posts a signed job; any 2xx accepts it. */
    async post(url: string, job: object, what: string) {
      const posted = await exchange(url, 'POST', JSON.stringify(job)).catch((err: Error) => {
        throw new Error(`the webhook at ${new URL(url).origin} could not be reached: ${err.message}`);
      });
      if (posted.status < 200 || posted.status > 299) throw new Error(`the webhook answered HTTP ${posted.status} to the ${what}`);
      return posted.status;
    },

    /** The signed answer of the status URL for this job (JSON, checked by the caller), or undefined while it has none. */
    async polled(statusUrl: string, jobId: string): Promise<Record<string, unknown> | undefined> {
      const url = new URL(statusUrl);
      url.searchParams.set('job', jobId);
      const res = await exchange(url.toString(), 'GET', '').catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const refused = verify(opts.secret, res.text, Object.fromEntries(res.headers));
      if (refused) throw new Error(`the status URL's answer was refused: ${refused}`);
      const answer = JSON.parse(res.text) as Record<string, unknown>;
      return answer?.jobId === jobId ? answer : undefined;
    },
  };
}

export function webhookProvider(opts: WebhookOptions): ReplacementProvider {
  const pollMs = opts.pollMs ?? 5000;
  const client = webhookClient(opts);

  async function polled(statusUrl: string, jobId: string): Promise<JobResult | undefined> {
    const answer = await client.polled(statusUrl, jobId);
    if (!answer) return undefined;
    const result = parseResult(answer);
    if (typeof result === 'string') throw new Error(`the status URL's answer was refused: ${result}`);
    return result;
  }

  async function calledBack(replacementId: string, jobId: string): Promise<JobResult | undefined> {
    const event = await opts.prisma.auditEvent.findFirst({
      where: { type: 'replacement.callback', subjectId: replacementId, data: { path: ['jobId'], equals: jobId } },
      orderBy: { id: 'desc' },
    });
    return event ? (event.data as unknown as JobResult) : undefined;
  }

  return {
    name: 'webhook',
    async replace(target, ctx): Promise<NewInstance> {
      if (!ctx) throw new Error('the webhook provider runs inside a replacement');
      const s = parseWebhook(target.host.connectorConfig.replacement as Record<string, unknown>);
      const jobId = jobIdOf(ctx.replacementId, ctx.attempt);
      const job = {
        phase: 'replace',
        jobId,
        replacementId: ctx.replacementId,
        attempt: ctx.attempt,
        ...jobTarget(target),
        callbackUrl: callbackUrlOf(opts.publicUrl, ctx.replacementId),
      };
      // Audited before the POST: a receiver may answer before the POST returns, and only an issued job's result is taken.
      await ctx.step(JOB_ISSUED, { jobId });
      const status = await client.post(s.url, job, 'job');
      await ctx.step('webhook.job_sent', { jobId, url: new URL(s.url).origin + new URL(s.url).pathname, status });
      const deadline = Date.now() + s.timeoutSeconds * 1000;
      for (;;) {
        const result = (await calledBack(ctx.replacementId, jobId)) ?? (s.statusUrl ? await polled(s.statusUrl, jobId) : undefined);
        if (result?.status === 'failed') throw new Error(`the webhook reports the job failed: ${result.error ?? 'no reason given'}`);
        if (result?.status === 'succeeded') {
          await ctx.step('webhook.done', { jobId, instanceId: result.instanceId, address: result.address ?? null });
          return { instanceId: result.instanceId!, ...(result.address ? { address: result.address } : {}) };
        }
        if (Date.now() >= deadline) throw new Error(`the webhook job ${jobId} did not finish within ${s.timeoutSeconds} s`);
        await pause(Math.min(pollMs, Math.max(0, deadline - Date.now())));
      }
    },
  };
}
