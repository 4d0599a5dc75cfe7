// Where local hosts and their images live on this replica's disk, and how a
// host's directory is (re)built from its image. The rebuild cannot be steered
// by anything a user left behind: the new tree is built in a directory only the
// broker can enter, its ownership is set there without following links
// (lchown), and it replaces the old one by rename. The old tree is moved aside
// the same way before it is removed. An image's directory must lie under
// <dataDir>/images (checked on the real path).
import { cp, lchown, lstat, mkdir, mkdtemp, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../errors.js';
import type { ReplaceTarget } from '../replacement/providers/provider.js';
import { hostUid } from '../terminal/sandbox/sandbox-fns.js';

export function hostDirectory(dataDir: string, hostName: string): string {
  return path.join(dataDir, 'hosts', hostName);
}

/** Who owns a host's directory: the host's own uid when the broker is root, else the broker (mapped in the sandbox). */
export function hostOwner(hostId: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = hostUid(hostId);
  return { uid, gid: uid };
}

export function imagesRoot(dataDir: string): string {
  return path.join(dataDir, 'images');
}

export function imageDirectory(dataDir: string, source: string): string {
  return path.resolve(dataDir, source);
}

export class ImageSourceError extends Error {}

/** The image's directory, if its real path is inside <dataDir>/images; throws otherwise. */
export async function checkedImageDirectory(dataDir: string, source: string): Promise<string> {
  const root = await realpath(imagesRoot(dataDir)).catch(() => undefined);
  const real = await realpath(imageDirectory(dataDir, source)).catch(() => undefined);
  if (!real) throw new ImageSourceError(`has no directory at ${imageDirectory(dataDir, source)}`);
  if (!root || !real.startsWith(root + path.sep)) {
    throw new ImageSourceError(`image source "${source}" must be a directory under ${imagesRoot(dataDir)}`);
  }
  if (!(await stat(real)).isDirectory()) throw new ImageSourceError(`image source "${source}" is not a directory`);
  return real;
}

/**
 * At image creation: a source that names something in the data dir must be
 * under images/ (a reference such as an AMI id names nothing there and passes).
 */
export async function checkImageSource(dataDir: string, source: string): Promise<void> {
  const named = await lstat(imageDirectory(dataDir, source)).then(
    () => true,
    () => false,
  );
  if (named) {
    await checkedImageDirectory(dataDir, source).catch((err: Error) => {
      throw new ValidationError(err.message);
    });
  }
}

export async function buildHostFromImage(dataDir: string, target: ReplaceTarget, instance: number): Promise<void> {
  const from = await checkedImageDirectory(dataDir, target.image.source).catch((err: Error) => {
    throw new Error(`image ${target.image.name}:${target.image.version} ${err.message}`);
  });
  const to = hostDirectory(dataDir, target.host.name);
  const hosts = path.dirname(to);
  await mkdir(hosts, { recursive: true, mode: 0o755 });
  // mkdtemp makes it 0700 and ours: no user can create, rename or link anything inside.
  const work = await mkdtemp(path.join(hosts, `.build-${target.host.name}-`));
  try {
    const fresh = path.join(work, 'new');
    await cp(from, fresh, { recursive: true, verbatimSymlinks: true, errorOnExist: true });
    await writeFile(path.join(fresh, '.instance'), `${target.host.name} instance ${instance} from ${target.image.name}:${target.image.version}\n`, {
      flag: 'wx',
    });
    const owner = hostOwner(target.host.id);
    if (owner) await lchownTree(fresh, owner.uid, owner.gid);
    await rename(to, path.join(work, 'old')).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(fresh, to);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Ownership for a tree nobody else can write to (see above); lchown never follows a link. */
async function lchownTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await lchown(path.join(entry.parentPath, entry.name), uid, gid);
  }
}
