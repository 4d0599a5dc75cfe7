// Evidence for local-image hosts: the difference between the host's directory
// and the image it was built from. Added, changed and removed entries with
// sizes and SHA-256; the content of small text files (before and after).
import { hostDirectory, imageDirectory } from '../../hosts/local-hosts.js';
import type { Capturer, Evidence } from './evidence.js';
import { DEFAULT_LIMITS, readTree, type TreeEntry, type TreeLimits } from './file-tree.js';

export type Change = 'added' | 'changed' | 'removed';

export interface FileChange {
  path: string;
  change: Change;
  kind: TreeEntry['kind'];
  size: number;
  sha256: string | null;
  mode: string;
  target?: string;
  before?: { kind: TreeEntry['kind']; size: number; sha256: string | null; mode: string; target?: string; text?: string };
  text?: string;
  note?: string;
}

/** Written by the builder itself, not by anyone on the host. */
const BUILDER_FILES = new Set(['.instance']);
/** At most this much text is kept over all files of one capture. */
const MAX_TEXT_TOTAL = 1 << 20;

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

function differs(a: TreeEntry, b: TreeEntry): boolean {
  return a.kind !== b.kind || a.mode !== b.mode || a.target !== b.target || a.sha256 !== b.sha256 || (a.kind === 'file' && a.size !== b.size);
}

/** Pure: the changes from `image` to `host`, sorted by path. */
export function diffTrees(image: Map<string, TreeEntry>, host: Map<string, TreeEntry>): FileChange[] {
  const out: FileChange[] = [];
  let textLeft = MAX_TEXT_TOTAL;
  const keep = (text: string | undefined) => {
    if (text === undefined || Buffer.byteLength(text) > textLeft) return undefined;
    textLeft -= Buffer.byteLength(text);
    return text;
  };
  const describe = (e: TreeEntry, change: Change): FileChange => ({
    path: e.path,
    change,
    kind: e.kind,
    size: e.size,
    sha256: e.sha256 ?? null,
    mode: octal(e.mode),
    ...(e.target !== undefined ? { target: e.target } : {}),
    ...(e.note ? { note: e.note } : {}),
  });
  const paths = [...new Set([...image.keys(), ...host.keys()])].filter((p) => !BUILDER_FILES.has(p)).sort();
  for (const p of paths) {
    const was = image.get(p);
    const now = host.get(p);
    if (was && !now) out.push(describe(was, 'removed'));
    else if (!was && now) out.push({ ...describe(now, 'added'), ...(now.text !== undefined ? { text: keep(now.text) } : {}) });
    else if (was && now && (differs(was, now) || now.note)) {
      const text = keep(now.text);
      const before = keep(was.text);
      out.push({
        ...describe(now, 'changed'),
        ...(text !== undefined ? { text } : {}),
        before: {
          kind: was.kind,
          size: was.size,
          sha256: was.sha256 ?? null,
          mode: octal(was.mode),
          ...(was.target !== undefined ? { target: was.target } : {}),
          ...(before !== undefined ? { text: before } : {}),
        },
      });
    }
  }
  return out;
}

export function localImageCapturer(dataDir: string, limits: TreeLimits = DEFAULT_LIMITS): Capturer {
  return {
    provider: 'local-image',
    async capture(target, signal): Promise<Evidence> {
      // Without its image the host is still listed whole: evidence the rebuild's failure must not cost.
      const image = await readTree(imageDirectory(dataDir, target.image.source), limits, signal).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        return { entries: new Map(), incomplete: 'the image directory is missing: every file of the host is listed as added' };
      });
      const host = await readTree(hostDirectory(dataDir, target.host.name), limits, signal);
      const items = diffTrees(image.entries, host.entries);
      const count = (c: Change) => items.filter((i) => i.change === c).length;
      const incomplete = image.incomplete ?? host.incomplete;
      return {
        kind: 'file-diff',
        summary: {
          added: count('added'),
          changed: count('changed'),
          removed: count('removed'),
          bytes: items.filter((i) => i.change !== 'removed').reduce((n, i) => n + i.size, 0),
          image: `${target.image.name}:${target.image.version}`,
          instance: target.host.instance,
          ...(incomplete ? { incomplete } : {}),
        },
        items,
      };
    },
  };
}
