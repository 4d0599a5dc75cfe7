// A roll-out (or a drill) deciding while another host's replacement commits:
// the host it read as "still on the old image" (or "too old") has just been
// replaced, and must not be replaced a second time. The race is made
// deterministic: the replacement's commit is held open (its row lock taken)
// until the decider is seen waiting for that lock in pg_stat_activity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness, type Harness } from '../helpers/harness.js';

/** Holds a host's update (a replacement's commit) open until `release` is called. */
async function heldUpdate(h: Harness, hostId: string, data: object) {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let updated!: () => void;
  const isUpdated = new Promise<void>((r) => {
    updated = r;
  });
  const commit = h.prisma.$transaction(
    async (tx) => {
      await tx.host.update({ where: { id: hostId }, data });
      updated();
      await held;
    },
    { timeout: 60_000 },
  );
  await isUpdated;
  return {
    commit,
    release,
    /** Until the decider waits for the host's lock (it has read the host as it was). */
    waitedFor: () =>
      h.eventually(
        () =>
          h.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM hosts%FOR UPDATE%'`,
        (rows) => rows[0]!.n > 0,
        'the decider waiting for the host lock',
      ),
  };
}

test('a roll-out never replaces again a host whose replacement onto the new image committed while it was deciding', async (t) => {
  const h = await startHarness(t);
  const from = (await h.prisma.image.findUniqueOrThrow({ where: { name: 'web-base' } })).id;
  const next = await h.api('admin', 'POST', '/api/images', { name: 'web-base-race', version: '2026.12.9', source: 'images/web-base-2026.11.1' });
  assert.equal(next.status, 201);
  const to = next.body.id as string;
  const moved = await h.prisma.host.findUniqueOrThrow({ where: { name: 'prod-web-1' } });
  const rollout = await h.prisma.rollout.create({ data: { environment: 'production', fromImageId: from, toImageId: to, maxUnavailable: 1 } });

  // prod-web-1's replacement onto the new image, committing slowly.
  const replacement = await heldUpdate(h, moved.id, { imageId: to, instance: { increment: 1 } });
  const deciding = h.broker.services.rollouts.advance(rollout.id);
  await replacement.waitedFor();
  replacement.release();
  await replacement.commit;
  await deciding;

  const scheduled = await h.prisma.replacement.findMany({ where: { rolloutId: rollout.id }, include: { host: { select: { name: true } } } });
  assert.deepEqual(
    scheduled.map((r) => r.host.name),
    ['prod-web-2'],
    'the host already on the new image is skipped; the next one takes the slot',
  );
});

test('a drill never picks a host whose replacement committed while it was deciding', async (t) => {
  const h = await startHarness(t);
  await h.prisma.host.updateMany({ where: { environment: 'staging' }, data: { builtAt: new Date() } });
  const old = await h.prisma.host.update({ where: { name: 'staging-web-1' }, data: { builtAt: new Date(Date.now() - 48 * 3600_000) } });
  assert.equal((await h.api('admin', 'PUT', '/api/environments/staging', { maxHostAgeHours: 24, drillWindow: '00:00-24:00' })).status, 200);
  // staging-web-1's replacement (a roll-out's, an admin's) commits while the drill decides.
  const replacement = await heldUpdate(h, old.id, { builtAt: new Date(), instance: { increment: 1 } });
  const deciding = h.broker.services.drills.sweep();
  await replacement.waitedFor();
  replacement.release();
  await replacement.commit;
  assert.deepEqual(await deciding, [], 'the freshly built host is not drilled');
  assert.equal(await h.prisma.replacement.count({ where: { trigger: 'drill' } }), 0);
});
