// Fleet consistency against the real broker: the exceptions report leads with
// the hosts that differ from their environment's target or peers, are touched,
// failed or too old, each with why and since when; /metrics counts them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../helpers/harness.js';

test('the fleet report names every weird box, why, and since when; /metrics counts them per environment', async (t) => {
  const h = await startHarness(t);
  assert.equal((await h.api('bob', 'PUT', '/api/environments/production', { targetVersion: '2026.12.1' })).status, 403);
  for (const bad of [{}, { targetVersion: '../x' }, { maxHostAgeHours: 0 }, { other: 1 }]) {
    const res = await h.api('admin', 'PUT', '/api/environments/production', bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal(res.body.error.code, 'validation_error');
  }
  assert.deepEqual((await h.api('alice', 'GET', '/api/environments')).body, []);
  const put = await h.api('admin', 'PUT', '/api/environments/production', { targetVersion: '2026.12.1' });
  assert.equal(put.status, 200);
  assert.equal(put.body.targetVersion, '2026.12.1');
  const event = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'environment.updated' } });
  assert.equal(event.actor, 'admin');

  // Production hosts are off its target; a staging host (no target there) differs from its peers.
  const image = await h.api('admin', 'POST', '/api/images', { name: 'web-base-next', version: '2026.12.1', source: 'images/web-base-2026.11.1' });
  assert.equal(image.status, 201);
  assert.equal(
    (await h.api('admin', 'POST', '/api/hosts', { name: 'prod-web-9', environment: 'production', imageId: image.body.id, connector: 'local' })).status,
    201,
  );
  assert.equal(
    (await h.api('admin', 'POST', '/api/hosts', { name: 'staging-web-9', environment: 'staging', imageId: image.body.id, connector: 'local' })).status,
    201,
  );
  // A touched host, and one older than staging's maximum age.
  await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob']));
  assert.equal((await h.api('admin', 'PUT', '/api/environments/staging', { maxHostAgeHours: 24 })).status, 200);
  const built = new Date(Date.now() - 30 * 3600_000);
  await h.prisma.host.update({ where: { name: 'staging-db-1' }, data: { builtAt: built } });

  const report = await h.api('dave', 'GET', '/api/fleet');
  assert.equal(report.status, 200);
  const byHost = Object.fromEntries(
    report.body.exceptions.map((e: { host: { name: string }; reasons: { kind: string }[] }) => [e.host.name, e.reasons.map((r) => r.kind)]),
  );
  assert.deepEqual(byHost, {
    'prod-web-1': ['off_target'],
    'prod-web-2': ['off_target'],
    'prod-db-1': ['off_target'],
    'staging-web-9': ['off_peers'],
    'staging-web-1': ['touched'],
    'staging-db-1': ['too_old'],
  });
  const oldest = report.body.exceptions[0];
  assert.equal(oldest.host.name, 'staging-db-1', 'the longest-standing exception leads');
  assert.equal(oldest.reasons[0].since, new Date(built.getTime() + 24 * 3600_000).toISOString());
  assert.match(oldest.reasons[0].why, /built more than 24 h ago/);
  const touched = report.body.exceptions.find((e: { host: { name: string } }) => e.host.name === 'staging-web-1');
  assert.equal(touched.reasons[0].since, (await h.prisma.host.findUniqueOrThrow({ where: { name: 'staging-web-1' } })).taintedAt!.toISOString());
  const prod = report.body.environments.find((e: { environment: string }) => e.environment === 'production');
  assert.deepEqual(
    { ...prod, byKind: undefined },
    { environment: 'production', targetVersion: '2026.12.1', peerVersion: '2026.11.1', maxHostAgeHours: null, hosts: 4, exceptions: 3, byKind: undefined },
  );

  const metrics = await fetch(`${h.url}/metrics`).then((r) => r.text());
  assert.match(metrics, /breakglass_fleet_exceptions\{environment="production",reason="off_target"\} 3/);
  assert.match(metrics, /breakglass_fleet_exceptions\{environment="staging",reason="off_peers"\} 1/);
  assert.match(metrics, /breakglass_fleet_exceptions\{environment="staging",reason="too_old"\} 1/);
  assert.match(metrics, /breakglass_fleet_hosts\{environment="staging",kind="exceptions"\} 3/);
});
