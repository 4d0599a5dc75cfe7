// `npm start`: the compiled broker (dist/, see scripts/build.mjs), rebuilt
// first if a file under src/ changed since the last build, so that a checkout
// being worked on never runs stale code. Stack traces point into the
// TypeScript (source maps).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfStale, DIST } from './build.mjs';

try {
  buildIfStale((message) => console.error(`breakglass: ${message}…`));
} catch (err) {
  console.error(`breakglass: ${err.message}. Fix the errors tsc printed above, then run npm start again.`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(path.join(DIST, 'server.js')).href);
