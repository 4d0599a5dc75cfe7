// What "one agreed end reason" means, read through the API: the session's
// endReason, the audit trail's session.ended events (exactly one) and the
// recording's last event.
import assert from 'node:assert/strict';
import type { Replica } from './replicas.js';

export async function assertOneAgreedEnd(r: Replica, sessionId: string, clientReason: string | undefined): Promise<string> {
  const session = (await r.api('dave', 'GET', `/api/sessions/${sessionId}`)).body;
  assert.ok(session.endedAt, `session ${sessionId} has ended`);
  const ends = ((await r.api('dave', 'GET', '/api/audit?type=session.ended&limit=1000')).body as { subjectId: string; data: { reason: string } }[]).filter(
    (e) => e.subjectId === sessionId,
  );
  assert.equal(ends.length, 1, 'the session was ended exactly once');
  assert.equal(ends[0]!.data.reason, session.endReason, 'the audit trail agrees with the database');
  const cast = await (await fetch(`${r.url}/api/sessions/${sessionId}/recording`, { headers: { authorization: `Bearer ${await r.token('dave')}` } })).text();
  const last = JSON.parse(cast.trim().split('\n').at(-1)!) as [number, string, string];
  assert.deepEqual(last.slice(1), ['m', `session ended: ${session.endReason}`], 'the recording ends with the agreed reason, and nothing after it');
  if (clientReason !== undefined) assert.equal(clientReason, session.endReason, 'the client was told the agreed reason');
  const verify = (await r.api('dave', 'GET', `/api/sessions/${sessionId}/recording/verify`)).body;
  assert.equal(verify.ok, true, 'the recording hash chain is whole');
  return session.endReason as string;
}
