// Demo provider: the host is a directory under the data dir; replacing it
// means deleting that directory and copying the image's directory afresh.
import { chown, cp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { demoShellUser, hostDirectory } from '../../terminal/connectors/local-connector.js';
import type { ReplaceTarget, ReplacementProvider } from './provider.js';

export function imageDirectory(dataDir: string, source: string): string {
  return path.resolve(dataDir, source);
}

export async function buildHostFromImage(dataDir: string, target: ReplaceTarget, instance: number): Promise<void> {
  const from = imageDirectory(dataDir, target.image.source);
  const info = await stat(from).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`image ${target.image.name}:${target.image.version} has no directory at ${from}`);
  const to = hostDirectory(dataDir, target.host.name);
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
  await writeFile(path.join(to, '.instance'), `${target.host.name} instance ${instance} from ${target.image.name}:${target.image.version}\n`);
  const owner = demoShellUser();
  if (owner) await chownTree(to, owner.uid, owner.gid);
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chown(path.join(entry.parentPath, entry.name), uid, gid);
  }
}

export function localImageProvider(dataDir: string): ReplacementProvider {
  return {
    name: 'local-image',
    replace: (target) => buildHostFromImage(dataDir, target, target.host.instance + 1),
  };
}
