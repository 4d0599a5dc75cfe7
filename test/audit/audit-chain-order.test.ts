// The audit chain is linked as each transaction's last step, just before its
// commit: a transaction that has appended an event but not finished its work
// does not hold the chain's lock, and the chain's order is the commit order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendAudit } from '../../src/audit/audit-service.js';
import { startHarness } from '../helpers/harness.js';

test('the chain is linked at commit: a transaction still at work does not hold it, the order is the commit order, and concurrent ones keep one chain', async (t) => {
  const h = await startHarness(t);
  const { prisma } = h;

  // The first appends, then waits for the second to have committed.
  let appended!: () => void;
  const firstAppended = new Promise<void>((r) => (appended = r));
  let committed!: () => void;
  const secondCommitted = new Promise<void>((r) => (committed = r));
  const first = prisma.$transaction(async (tx) => {
    await appendAudit(tx, { type: 'test.first', subjectType: 'test', subjectId: 'order' });
    appended();
    await secondCommitted;
  });
  await firstAppended;
  await prisma.$transaction(async (tx) => {
    await appendAudit(tx, { type: 'test.second', subjectType: 'test', subjectId: 'order' });
    await appendAudit(tx, { type: 'test.third', subjectType: 'test', subjectId: 'order' });
  });
  committed();
  await first;

  // Rolled back with its transaction: no event, no gap in the chain.
  await assert.rejects(
    prisma.$transaction(async (tx) => {
      await appendAudit(tx, { type: 'test.rolled-back', subjectType: 'test', subjectId: 'order' });
      throw new Error('no');
    }),
    /no/,
  );

  const events = await prisma.auditEvent.findMany({ where: { subjectId: 'order' }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    events.map((e) => e.type),
    ['test.second', 'test.third', 'test.first'],
    'chain order is commit order; one transaction keeps its events in the order appended',
  );
  assert.equal(events[1]!.id, events[0]!.id + 1n);
  assert.equal(events[1]!.prevHash, events[0]!.hash);

  // Concurrent transactions, each with two events around other work: one chain, each transaction's events adjacent.
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      prisma.$transaction(async (tx) => {
        await appendAudit(tx, { type: 'test.concurrent', subjectType: 'test', subjectId: `c-${i}`, data: { i, step: 1 } });
        await tx.$queryRaw`SELECT 1`;
        await appendAudit(tx, { type: 'test.concurrent', subjectType: 'test', subjectId: `c-${i}`, data: { i, step: 2 } });
      }),
    ),
  );
  const concurrent = await prisma.auditEvent.findMany({ where: { type: 'test.concurrent' }, orderBy: { id: 'asc' } });
  assert.equal(concurrent.length, 80);
  for (let k = 0; k < concurrent.length; k += 2) {
    assert.equal(concurrent[k]!.subjectId, concurrent[k + 1]!.subjectId, "a transaction's events are adjacent");
    assert.deepEqual([(concurrent[k]!.data as { step: number }).step, (concurrent[k + 1]!.data as { step: number }).step], [1, 2]);
  }
  const verify = await h.api('dave', 'GET', '/api/audit/verify');
  assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
});
