// Reads a directory tree that a hostile user may have written, without ever
// following a symbolic link or leaving the tree: every entry is opened through
// its parent's file descriptor (/proc/self/fd/N/name, like openat) with
// O_NOFOLLOW, checked with fstat against what lstat saw, and read only up to
// the limits. FIFOs, sockets and devices are listed, never opened; nothing on
// another filesystem is entered.
import { createHash } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  path: string;
  kind: EntryKind;
  size: number;
  mode: number;
  sha256?: string;
  target?: string;
  /** UTF-8 content of a small text file with a single link. */
  text?: string;
  /** Why something was not read (too large, another filesystem, changed while read). */
  note?: string;
}

export interface TreeLimits {
  maxEntries: number;
  maxDepth: number;
  /** Larger files are listed with their size, not hashed. */
  maxHashBytes: number;
  maxTotalBytes: number;
  maxTextBytes: number;
}

export const DEFAULT_LIMITS: TreeLimits = {
  maxEntries: 20_000,
  maxDepth: 64,
  maxHashBytes: 64 << 20,
  maxTotalBytes: 512 << 20,
  maxTextBytes: 16 << 10,
};

export interface Tree {
  entries: Map<string, TreeEntry>;
  /** Set when a limit stopped the walk: the tree is then incomplete. */
  incomplete?: string;
}

const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;
const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.dev === b.dev;

export async function readTree(root: string, limits: TreeLimits = DEFAULT_LIMITS, signal?: AbortSignal): Promise<Tree> {
  const tree: Tree = { entries: new Map() };
  let totalBytes = 0;
  const top = await fs.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  const device = (await top.stat()).dev;

  const readFile = async (dir: FileHandle, name: string, seen: Stats, entry: TreeEntry) => {
    if (seen.size > limits.maxHashBytes) return void (entry.note = 'too large to hash');
    if (totalBytes + seen.size > limits.maxTotalBytes) return void (entry.note = 'not hashed: the capture read its limit');
    const file = await fs.open(at(dir, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch((err: NodeJS.ErrnoException) => err);
    if (!('fd' in file)) return void (entry.note = file.code === 'ELOOP' ? 'changed while it was read' : `could not be read (${file.code ?? 'error'})`);
    try {
      const now = await file.stat();
      if (!now.isFile() || !sameFile(now, seen)) return void (entry.note = 'changed while it was read');
      const hash = createHash('sha256');
      const keep = now.size <= limits.maxTextBytes && now.nlink === 1 ? ([] as Buffer[]) : undefined;
      const buf = Buffer.allocUnsafe(64 * 1024);
      let read = 0;
      // Never more than the size seen: a file that grows meanwhile is cut there.
      while (read < now.size) {
        const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, now.size - read), read);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        keep?.push(Buffer.from(buf.subarray(0, bytesRead)));
        read += bytesRead;
      }
      totalBytes += read;
      entry.size = read;
      entry.sha256 = hash.digest('hex');
      if (keep) {
        const bytes = Buffer.concat(keep);
        const text = bytes.toString('utf8');
        if (!bytes.includes(0) && Buffer.byteLength(text) === bytes.length && !text.includes('\uFFFD')) entry.text = text;
      } else if (now.nlink > 1) entry.note = 'hard link: content not kept';
    } finally {
      await file.close();
    }
  };

  const visit = async (dir: FileHandle, prefix: string, depth: number): Promise<void> => {
    const names = (await fs.readdir(`/proc/self/fd/${dir.fd}`)).sort();
    for (const name of names) {
      if (signal?.aborted) throw new Error('capture cancelled: it took too long');
      if (tree.entries.size >= limits.maxEntries) return void (tree.incomplete ??= `more than ${limits.maxEntries} entries`);
      const rel = prefix ? `${prefix}/${name}` : name;
      const seen = await fs.lstat(at(dir, name)).catch(() => undefined);
      if (!seen) continue;
      const entry: TreeEntry = { path: rel, kind: 'other', size: seen.size, mode: seen.mode & 0o7777 };
      tree.entries.set(rel, entry);
      if (seen.dev !== device) {
        entry.note = 'on another filesystem: not entered';
      } else if (seen.isSymbolicLink()) {
        entry.kind = 'symlink';
        const target = await fs.readlink(at(dir, name)).catch(() => undefined);
        if (target === undefined) entry.note = 'changed while it was read';
        else entry.target = target.slice(0, 4096);
      } else if (seen.isFile()) {
        entry.kind = 'file';
        await readFile(dir, name, seen, entry);
      } else if (seen.isDirectory()) {
        entry.kind = 'dir';
        entry.size = 0;
        if (depth >= limits.maxDepth) {
          tree.incomplete ??= `directories nested deeper than ${limits.maxDepth}`;
          continue;
        }
        const child = await fs.open(at(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch(() => undefined);
        if (!child) {
          entry.note = 'changed while it was read';
          continue;
        }
        try {
          if (!sameFile(await child.stat(), seen)) entry.note = 'changed while it was read';
          else await visit(child, rel, depth + 1);
        } finally {
          await child.close();
        }
      }
    }
  };

  try {
    await visit(top, '', 0);
  } finally {
    await top.close();
  }
  return tree;
}
