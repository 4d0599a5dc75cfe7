// Demo provider: the host is a directory under the data dir; replacing it
// means building a fresh copy of the image's directory and swapping it in
// (src/hosts/local-hosts.ts says how that cannot be steered).
import { buildHostFromImage } from '../../hosts/local-hosts.js';
import type { ReplacementProvider } from './provider.js';

export function localImageProvider(dataDir: string): ReplacementProvider {
  return {
    name: 'local-image',
    replace: (target) => buildHostFromImage(dataDir, target, target.host.instance + 1),
  };
}
