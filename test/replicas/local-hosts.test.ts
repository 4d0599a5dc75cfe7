// Shared state on purpose: a `local` host is a directory on one replica's
// machine. Its owner (shown in the fleet) runs its sessions and rebuilds; the
// other replica forwards both to it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, startReplicas } from './replicas.js';

test('local hosts are opened and rebuilt through either replica, always on the replica whose machine they are on', async (t) => {
  const { a, b, dataDirs } = await startReplicas(t, { separateDataDirs: true });
  const fleet = (await b.api('admin', 'GET', '/api/hosts')).body as { id: string; name: string; owner: string | null; connector: string }[];
  assert.ok(fleet.length > 0);
  for (const h of fleet.filter((x) => x.connector === 'local')) assert.equal(h.owner, 'replica-a', `${h.name} is on replica a's machine`);

  const byName = (name: string) => fleet.find((h) => h.name === name)!.id;
  for (const [name, through] of [
    ['staging-web-1', b],
    ['staging-web-2', a],
  ] as const) {
    const { requestId } = await through.grant(name);
    const sessionId = await through.open(requestId);
    const term = await b.attach(sessionId);
    term.send('echo "home=$HOME"; cat .instance; exit\n');
    assert.equal(await term.waitForExit(), 'exit');
    assert.ok(term.output.includes(`home=${path.join(dataDirs.a, 'hosts', name)}`), `the shell ran in replica a's directory of ${name}: ${term.output}`);
    assert.match(term.output, new RegExp(`${name} instance 1 `));
  }
  for (const name of ['prod-web-1', 'prod-db-1']) {
    const id = fleet.find((h) => h.name === name)?.id;
    if (!id) continue;
    const res = await b.api('admin', 'POST', `/api/hosts/${id}/replace`, {});
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }

  const names = ['staging-web-1', 'staging-web-2', 'prod-web-1', 'prod-db-1'].filter((n) => fleet.some((h) => h.name === n));
  for (const name of names) {
    const [r] = await eventually(
      async () => (await b.api('admin', 'GET', `/api/replacements?hostId=${byName(name)}`)).body as { status: string; attempts: number }[],
      (rs) => rs[0]?.status === 'succeeded' || rs[0]?.status === 'failed',
      `the rebuild of ${name}`,
    );
    assert.equal(r!.status, 'succeeded');
    assert.equal(r!.attempts, 1, `the rebuild of ${name} succeeded at once, whichever replica's worker took the job`);
    assert.match(readFileSync(path.join(dataDirs.a, 'hosts', name, '.instance'), 'utf8'), new RegExp(`${name} instance 2 `));
  }
  assert.equal(existsSync(path.join(dataDirs.b, 'hosts')), false, 'replica b never built a host of its own');
});
