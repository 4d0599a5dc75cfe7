import assert from 'node:assert/strict';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startHarness } from '../helpers/harness.js';

type Family = { name: string; type: string; metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[] };

async function scrape(url: string): Promise<Map<string, Family>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
}

const sampleOf = (f: Family | undefined, labels: Record<string, string>) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0);

test('/metrics parses as Prometheus text and counts outcomes and commit latency', async (t) => {
  const h = await startHarness(t);
  const before = await scrape(h.url);
  assert.ok(before.has('breakglass_process_cpu_seconds_total'), 'default metrics have one prefix');
  assert.ok(![...before.keys()].some((n) => n.startsWith('breakglass_process_process_')), 'no double prefix');

  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);
  const denied = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-2'), reason: 'no', durationMinutes: 15 });
  await h.api('bob', 'POST', `/api/requests/${denied.body.id}/deny`, { comment: 'not now' });
  const term = await h.attach(await h.openSession(requestId));
  term.send('echo counted; exit\n');
  assert.equal(await term.waitForExit(), 'exit');

  const after = await scrape(h.url);
  assert.equal(after.get('breakglass_decisions_total')?.type, 'COUNTER');
  assert.equal(
    sampleOf(after.get('breakglass_decisions_total'), { decision: 'approve' }) - sampleOf(before.get('breakglass_decisions_total'), { decision: 'approve' }),
    1,
  );
  assert.equal(
    sampleOf(after.get('breakglass_decisions_total'), { decision: 'deny' }) - sampleOf(before.get('breakglass_decisions_total'), { decision: 'deny' }),
    1,
  );
  assert.equal(sampleOf(after.get('breakglass_sessions_ended_total'), { reason: 'exit' }), 1);
  assert.ok(after.has('breakglass_replacements_finished_total'));
  const commits = after.get('breakglass_recording_commit_seconds');
  assert.equal(commits?.type, 'HISTOGRAM');
  assert.ok(Number(commits!.metrics[0]!.count) > 0, "the session's commits were observed");
  for (const name of [
    'breakglass_sessions_active',
    'breakglass_replacements_pending',
    'breakglass_hosts_drifted',
    'breakglass_recording_bytes_total',
    'breakglass_requests_pending',
  ]) {
    assert.ok(after.has(name), name);
  }
});
