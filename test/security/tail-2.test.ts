// No lost tail, part 2 of 4 (5 of the 20 sessions): see tail-sessions.ts.
import { test } from 'node:test';
import { BYTES, tailSessions } from './tail-sessions.js';

test(`5 sessions of ${BYTES} bytes each lose nothing of their last output (2/4)`, { timeout: 170_000 }, async (t) => {
  await tailSessions(t, 5);
});
