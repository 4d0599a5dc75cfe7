import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, type Harness } from '../helpers/harness.js';

const STAGING = { approvalsRequired: 1, minDurationMinutes: 1, maxDurationMinutes: 240 };

async function allowEmergency(h: Harness, extra: Record<string, unknown> = {}) {
  const put = await h.api('admin', 'PUT', '/api/policies/staging', {
    ...STAGING,
    emergencyAllowed: true,
    emergencyApprovalsRequired: 0,
    emergencyMaxDurationMinutes: 20,
    reviewWithinHours: 4,
    ...extra,
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
}

const emergencyRequest = async (h: Harness, user: string, host: string, durationMinutes: number) =>
  h.api(user, 'POST', '/api/requests', { hostId: await h.hostId(host), reason: 'db down, nobody answers', ticket: 'INC-9', durationMinutes, emergency: true });

test('emergency access is granted at once where the policy allows it, says so in the terminal, and is reviewed by another approver', async (t) => {
  const h = await startHarness(t);
  const refused = await emergencyRequest(h, 'alice', 'staging-web-1', 10);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'emergency_not_allowed');

  await allowEmergency(h);
  assert.equal((await emergencyRequest(h, 'alice', 'staging-web-1', 30)).status, 400, 'longer than the emergency maximum');
  const granted = await emergencyRequest(h, 'erin', 'staging-web-1', 15);
  assert.equal(granted.status, 201);
  assert.equal(granted.body.status, 'approved');
  assert.equal(granted.body.emergency, true);
  assert.equal(granted.body.approvals.length, 0);
  const due = Date.parse(granted.body.review.dueAt) - Date.parse(granted.body.approvedAt);
  assert.ok(Math.abs(due - 4 * 3_600_000) < 5_000, "due within the policy's hours");
  const requestId = granted.body.id as string;

  const sessionId = await h.openSession(requestId, 'erin');
  const term = await h.attach(sessionId, 'erin');
  await term.until((c) => c.notices.some((n) => n.includes('EMERGENCY ACCESS')), 'the emergency banner in the terminal');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  assert.equal((await h.api('dave', 'GET', `/api/sessions/${sessionId}`)).body.emergency, true, 'the session says it too');

  const open = await h.api('bob', 'GET', '/api/reviews?state=open');
  assert.deepEqual(
    open.body.map((r: { id: string }) => r.id),
    [requestId],
  );
  assert.equal((await h.api('alice', 'GET', '/api/reviews')).status, 403, 'requesters do not see the queue');

  const self = await h.api('erin', 'POST', `/api/requests/${requestId}/review`, { outcome: 'acknowledged' });
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, 'separation_of_duties');
  assert.equal((await h.api('dave', 'POST', `/api/requests/${requestId}/review`, { outcome: 'acknowledged' })).status, 403, 'auditors do not review');
  assert.equal((await h.api('bob', 'POST', `/api/requests/${requestId}/review`, { outcome: 'flagged' })).status, 400, 'a flag needs a comment');
  assert.equal((await h.api('bob', 'POST', `/api/requests/${requestId}/review`, { outcome: 'maybe' })).status, 400);
  const flagged = await h.api('bob', 'POST', `/api/requests/${requestId}/review`, { outcome: 'flagged', comment: 'could have waited for carol' });
  assert.equal(flagged.status, 200);
  assert.equal(flagged.body.review.outcome, 'flagged');
  assert.equal(flagged.body.review.reviewer, 'bob');
  const twice = await h.api('carol', 'POST', `/api/requests/${requestId}/review`, { outcome: 'acknowledged' });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, 'already_reviewed');
  assert.deepEqual((await h.api('bob', 'GET', '/api/reviews?state=open')).body, []);
  assert.equal((await h.api('dave', 'GET', '/api/reviews?state=done')).body.length, 1);

  const normal = await h.grant('staging-web-2', 10, 'alice', ['bob']);
  assert.equal((await h.api('carol', 'POST', `/api/requests/${normal}/review`, { outcome: 'acknowledged' })).body.error.code, 'not_emergency');

  const types = (await h.prisma.auditEvent.findMany({ where: { subjectId: requestId }, orderBy: { id: 'asc' } })).map((e) => e.type);
  assert.deepEqual(types, ['request.created', 'request.approved', 'emergency.granted', 'emergency.reviewed']);
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  assert.match(metrics, /^breakglass_emergency_grants_total 1$/m);
  assert.match(metrics, /^breakglass_emergency_reviews_open 0$/m);
});

test('an emergency that needs one approval waits for it, then starts its review clock', async (t) => {
  const h = await startHarness(t);
  await allowEmergency(h, { emergencyApprovalsRequired: 1 });
  const asked = await emergencyRequest(h, 'alice', 'staging-db-1', 10);
  assert.equal(asked.body.status, 'pending');
  assert.equal(asked.body.approvalsRequired, 1);
  assert.equal(asked.body.review, null);
  const approved = await h.api('bob', 'POST', `/api/requests/${asked.body.id}/approve`, {});
  assert.equal(approved.body.status, 'approved');
  assert.ok(approved.body.review.dueAt);
});

test("an emergency not reviewed within the policy's hours becomes overdue: listed, audited and counted", async (t) => {
  // One policy minute lasts 20 ms, so the review's hour is 1.2 s.
  const h = await startHarness(t, { BREAKGLASS_MINUTE_MS: '20' });
  await allowEmergency(h, { reviewWithinHours: 1 });
  const granted = await emergencyRequest(h, 'alice', 'staging-web-1', 10);
  const requestId = granted.body.id as string;
  const overdue = await h.eventually(
    () => h.api('bob', 'GET', `/api/requests/${requestId}`),
    (r) => r.body.review.overdueAt !== null,
    'the review overdue',
  );
  assert.equal(overdue.body.review.reviewedAt, null);
  assert.deepEqual(
    (await h.api('bob', 'GET', '/api/reviews?state=overdue')).body.map((r: { id: string }) => r.id),
    [requestId],
  );
  assert.equal(await h.prisma.auditEvent.count({ where: { subjectId: requestId, type: 'emergency.review_overdue' } }), 1);
  assert.match(await (await fetch(`${h.url}/metrics`)).text(), /^breakglass_emergency_reviews_overdue 1$/m);
  const late = await h.api('carol', 'POST', `/api/requests/${requestId}/review`, { outcome: 'acknowledged', comment: 'late, sorry' });
  assert.equal(late.status, 200);
  assert.deepEqual((await h.api('bob', 'GET', '/api/reviews?state=overdue')).body, []);
});
