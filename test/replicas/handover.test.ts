// A local host is a directory on its owner replica's machine. When that replica
// is gone for good, an admin hands the host over to a live replica: only once
// the owner's lease has expired, audited, and the new owner rebuilds it from
// its image before any session (the old directory is on the gone machine).
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, startReplicas } from './replicas.js';

type Host = { id: string; name: string; owner: string | null; state: string; pendingReplacement: unknown };

test('a local host whose owner replica is gone is handed over to a live replica only after its lease expired, and rebuilt there before any session', async (t) => {
  const { a, b, dataDirs } = await startReplicas(t, { separateDataDirs: true });
  // Images are installed on every machine; a host's directory is on its owner's only.
  cpSync(path.join(dataDirs.a, 'images'), path.join(dataDirs.b, 'images'), { recursive: true });
  const host = ((await b.api('admin', 'GET', '/api/hosts')).body as Host[]).find((h) => h.name === 'staging-web-1')!;
  assert.equal(host.owner, 'replica-a');
  const moveTo = (replica: unknown, user = 'admin') => b.api(user, 'POST', `/api/hosts/${host.id}/owner`, { replica });

  const alive = (await b.api('alice', 'GET', '/api/replicas')).body as { id: string; alive: boolean }[];
  assert.deepEqual(
    alive.map((r) => [r.id, r.alive]),
    [
      ['replica-a', true],
      ['replica-b', true],
    ],
  );
  // While its owner holds its lease, the host stays where it is.
  const refused = await moveTo('replica-b');
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'owner_alive');
  assert.match(refused.body.error.message, /replica-a, whose lease holds until .*gone for good/);
  assert.equal((await moveTo('replica-b', 'alice')).status, 403);
  assert.equal((await b.api('admin', 'POST', `/api/hosts/${host.id}/owner`, { replica: 'replica-b', extra: 1 })).status, 400);
  assert.equal((await moveTo('replica-nowhere')).status, 404);
  assert.equal(((await b.api('admin', 'GET', `/api/hosts/${host.id}`)).body as Host).owner, 'replica-a', 'refusals changed nothing');

  // Replica a is gone for good: once its lease has expired, the host moves.
  await a.process.kill();
  const moved = await eventually(
    () => moveTo('replica-b'),
    (r) => r.status !== 409 || r.body.error.code !== 'owner_alive',
    "replica a's lease to expire",
  );
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.owner, 'replica-b');
  assert.equal(moved.body.state, 'tainted', 'not grantable before its rebuild');
  assert.ok(moved.body.pendingReplacement, 'its rebuild is pending');
  assert.equal((await moveTo('replica-b')).body.error.code, 'same_owner');

  const rebuilt = await eventually(
    async () => (await b.api('admin', 'GET', `/api/replacements?hostId=${host.id}`)).body as { status: string; attempts: number }[],
    (rs) => rs[0]?.status === 'succeeded' || rs[0]?.status === 'failed',
    'the rebuild on replica b',
  );
  assert.equal(rebuilt[0]!.status, 'succeeded', 'rebuilt although its previous state is out of reach');
  assert.match(readFileSync(path.join(dataDirs.b, 'hosts', 'staging-web-1', '.instance'), 'utf8'), /staging-web-1 instance 2 /);

  // Sessions now run on replica b, in its directory.
  const { requestId } = await b.grant('staging-web-1');
  const term = await b.attach(await b.open(requestId));
  term.send('echo "home=$HOME"; exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  assert.ok(term.output.includes(`home=${path.join(dataDirs.b, 'hosts', 'staging-web-1')}`), term.output);
  assert.equal(existsSync(path.join(dataDirs.b, 'hosts', 'staging-web-2')), false, 'only the handed-over host moved');

  const events = (await b.api('dave', 'GET', `/api/audit?subjectId=${host.id}&type=host.handed_over`)).body as {
    actor: string;
    data: Record<string, unknown>;
  }[];
  assert.equal(events.length, 1);
  assert.equal(events[0]!.actor, 'admin');
  assert.deepEqual([events[0]!.data.from, events[0]!.data.to], ['replica-a', 'replica-b']);
  const scheduled = (await b.api('dave', 'GET', '/api/audit?type=replacement.scheduled&limit=1000')).body as { data: { hostId: string; trigger?: string } }[];
  assert.ok(scheduled.some((e) => e.data.hostId === host.id && e.data.trigger === 'handover'));
  const replicas = (await b.api('alice', 'GET', '/api/replicas')).body as { id: string; alive: boolean }[];
  assert.equal(replicas.find((r) => r.id === 'replica-a')!.alive, false);
});
