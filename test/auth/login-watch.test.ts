import assert from 'node:assert/strict';
import test from 'node:test';
import { LoginWatch } from '../../src/auth/login-watch.js';
import { UnauthorizedError } from '../../src/errors.js';

test('connections of one login share its binding: one closing leaves the others bound, and a refused token closes all that are left', async () => {
  const refused = new Set<string>();
  const watch = new LoginWatch(
    async (claims) => {
      if (refused.has(claims.jti)) throw new UnauthorizedError('Logged out.');
    },
    60_000,
    () => {},
  );
  const closed: string[] = [];
  const alice = { sub: 'u-alice', username: 'alice', jti: 't1' };
  const unbindA = watch.bind({ ...alice }, () => closed.push('terminal A'));
  watch.bind({ ...alice }, () => closed.push('terminal B'));
  watch.bind({ ...alice }, () => closed.push('event stream'));
  watch.bind({ sub: 'u-bob', username: 'bob', jti: 't2' }, () => closed.push("bob's terminal"));
  assert.equal(watch.size, 4);

  unbindA();
  assert.equal(watch.size, 3);
  await watch.recheck('u-alice');
  assert.deepEqual(closed, [], 'a valid token closes nothing');

  refused.add('t1');
  await watch.recheck();
  assert.deepEqual(closed.sort(), ['event stream', 'terminal B'], "alice's open connections close; the one already gone is not closed again; bob's stays");
  assert.equal(watch.size, 1);
});
