// The specs test the web app as it is in the working tree: build it first,
// so a stale web/dist can never pass or fail a run. BREAKGLASS_E2E_NO_BUILD=1 skips.
import path from 'node:path';
import { build } from 'vite';

export default async function globalSetup(): Promise<void> {
  if (process.env.BREAKGLASS_E2E_NO_BUILD === '1') return;
  await build({ configFile: path.resolve(import.meta.dirname, '../../web/vite.config.ts'), logLevel: 'warn' });
}
