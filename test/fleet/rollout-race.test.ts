// A roll-out deciding while another host's replacement commits: the host it
// read as "still on the old image" has just been moved, and must not be
// replaced a second time. The race is made deterministic: the replacement's
// commit is held open (its row lock taken) until the roll-out is seen
// waiting for that lock in pg_stat_activity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('a roll-out never replaces again a host whose replacement onto the new image committed while it was deciding', async (t) => {
  const h = await startHarness(t);
  const from = (await h.prisma.image.findUniqueOrThrow({ where: { name: 'web-base' } })).id;
  const next = await h.api('admin', 'POST', '/api/images', { name: 'web-base-race', version: '2026.12.9', source: 'images/web-base-2026.11.1' });
  assert.equal(next.status, 201);
  const to = next.body.id as string;
  const moved = await h.prisma.host.findUniqueOrThrow({ where: { name: 'prod-web-1' } });
  const rollout = await h.prisma.rollout.create({ data: { environment: 'production', fromImageId: from, toImageId: to, maxUnavailable: 1 } });

  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let updated!: () => void;
  const isUpdated = new Promise<void>((r) => {
    updated = r;
  });
  // prod-web-1's replacement onto the new image, committing slowly.
  const replacement = h.prisma.$transaction(
    async (tx) => {
      await tx.host.update({ where: { id: moved.id }, data: { imageId: to, instance: { increment: 1 } } });
      updated();
      await held;
    },
    { timeout: 60_000 },
  );
  await isUpdated;
  const deciding = h.broker.services.rollouts.advance(rollout.id);
  await h.eventually(
    () =>
      h.prisma.$queryRaw<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM hosts%FOR UPDATE%'`,
    (rows) => rows[0]!.n > 0,
    'the roll-out waiting for the host lock',
  );
  release();
  await replacement;
  await deciding;

  const scheduled = await h.prisma.replacement.findMany({ where: { rolloutId: rollout.id }, include: { host: { select: { name: true } } } });
  assert.deepEqual(
    scheduled.map((r) => r.host.name),
    ['prod-web-2'],
    'the host already on the new image is skipped; the next one takes the slot',
  );
});
