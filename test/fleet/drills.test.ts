// Drills against the real broker: inside the drill window, hosts older than
// their environment's maximum age are replaced one at a time; outside it,
// nothing happens; the drift record shows success rate and time to replace.
// The sweep is called directly with the time to judge (no waiting on its timer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inWindow } from '../../src/fleet/drill-fns.js';
import { startHarness } from '../helpers/harness.js';

test('drill windows are daily UTC ranges that may wrap past midnight', () => {
  const at = (hhmm: string) => new Date(`2026-11-26T${hhmm}:00Z`);
  assert.equal(inWindow('02:00-04:00', at('03:59')), true);
  assert.equal(inWindow('02:00-04:00', at('04:00')), false);
  assert.equal(inWindow('22:00-02:00', at('23:30')), true);
  assert.equal(inWindow('22:00-02:00', at('01:00')), true);
  assert.equal(inWindow('22:00-02:00', at('12:00')), false);
  assert.equal(inWindow('00:00-24:00', at('12:00')), true);
});

test('inside the window, hosts older than the maximum age are replaced one at a time; outside, none', async (t) => {
  const h = await startHarness(t, { BREAKGLASS_DRILL_SWEEP_SECONDS: '86400' });
  const drills = h.broker.services.drills;
  assert.equal((await h.api('admin', 'PUT', '/api/environments/staging', { drillWindow: '25:00-26:00' })).status, 400);
  assert.equal((await h.api('admin', 'PUT', '/api/environments/staging', { drillWindow: '10:00-10:00' })).status, 400, 'an empty window is refused');
  assert.equal((await h.api('admin', 'PUT', '/api/environments/staging', { maxHostAgeHours: 24, drillWindow: '02:00-04:00' })).status, 200);
  const old = new Date(Date.now() - 48 * 3600_000);
  await h.prisma.host.updateMany({ where: { environment: 'staging', name: { in: ['staging-web-1', 'staging-web-2'] } }, data: { builtAt: old } });
  const busy = await h.openSession(await h.grant('staging-web-2', 15, 'alice', ['bob']));

  const day = (hhmm: string) => new Date(`${new Date().toISOString().slice(0, 10)}T${hhmm}:00Z`);
  assert.deepEqual(await drills.sweep(day('12:00')), [], 'outside the window nothing is drilled');
  assert.deepEqual(await drills.sweep(day('03:00')), ['staging-web-1']);
  assert.deepEqual(await drills.sweep(day('03:00')), [], 'one drill at a time per environment');
  await h.eventually(
    () => h.prisma.replacement.findFirst({ where: { trigger: 'drill' } }),
    (r) => r?.status === 'succeeded',
    'the drill',
  );
  assert.deepEqual(await drills.sweep(day('03:00')), [], 'a host with an open session is not drilled, a fresh one neither');
  const term = await h.attach(busy);
  term.send('exit\n');
  await term.waitForExit();
  await h.eventually(
    () => h.prisma.host.findUniqueOrThrow({ where: { name: 'staging-web-2' } }),
    (x) => x.state === 'healthy',
    "the session's replacement",
  );
  assert.deepEqual(await drills.sweep(day('03:00')), [], 'replaced after its session: young again');

  const scheduled = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'replacement.scheduled', data: { path: ['trigger'], equals: 'drill' } } });
  assert.match((scheduled.data as { why: string }).why, /older than 24 h/);
  const record = (await h.api('dave', 'GET', '/api/drift/record')).body;
  const week = record.find((r: { days: number; environment: string }) => r.days === 7 && r.environment === 'staging');
  assert.deepEqual(
    { ...week, p50Seconds: typeof week.p50Seconds, p95Seconds: typeof week.p95Seconds },
    { days: 7, environment: 'staging', provider: 'local-image', finished: 2, succeeded: 2, successRate: 1, p50Seconds: 'number', p95Seconds: 'number' },
  );
  assert.equal(record.filter((r: { days: number }) => r.days === 30).length, 1);
});
