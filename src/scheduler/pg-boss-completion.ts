// pg-boss 10's worker loop completes or fails a fetched batch without awaiting
// the promise (pg-boss's manager.js, `watch`): if Postgres goes away at that moment
// the rejection is unhandled, and close-with-grace then shuts the whole broker
// down. Marking those promises handled keeps the replica up; the job is not
// lost (still active, it expires and is retried), and callers that await the
// same methods still see the error.
import { createRequire } from 'node:module';

type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;

const require = createRequire(import.meta.url);
const Manager = require('pg-boss/src/manager.js') as { prototype: Record<'complete' | 'fail', Method & { handled?: true }> };

for (const name of ['complete', 'fail'] as const) {
  const original = Manager.prototype[name];
  if (original.handled) continue;
  const wrapped: Method & { handled?: true } = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    result.catch(() => {});
    return result;
  };
  wrapped.handled = true;
  Manager.prototype[name] = wrapped;
}
