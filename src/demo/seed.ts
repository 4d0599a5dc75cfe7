// Demo mode only: users (password "demo"), images, hosts built from them, and
// the demo policy. Runs once, on an empty database.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../db/client.js';
import { appendAudit } from '../audit/audit-service.js';
import { hashPassword } from '../auth/password-fns.js';
import { buildHostFromImage, imageDirectory } from '../hosts/local-hosts.js';

export const DEMO_USERS = [
  { username: 'alice', roles: ['requester'] },
  { username: 'bob', roles: ['approver'] },
  { username: 'carol', roles: ['approver'] },
  { username: 'dave', roles: ['auditor'] },
  // Holds two roles, to show that nobody approves their own request.
  { username: 'erin', roles: ['requester', 'approver'] },
  { username: 'admin', roles: ['admin'] },
];

const IMAGES = [
  {
    name: 'web-base',
    version: '2026.11.1',
    files: { 'etc/motd': 'web-base 2026.11.1: built by the image pipeline. Changes here will not survive.\n', 'etc/app.conf': 'workers=4\nlog_level=info\n' },
  },
  {
    name: 'db-base',
    version: '2026.11.1',
    files: { 'etc/motd': 'db-base 2026.11.1: built by the image pipeline. Changes here will not survive.\n', 'etc/db.conf': 'max_connections=200\n' },
  },
];

const HOSTS = [
  { name: 'staging-web-1', environment: 'staging', image: 'web-base' },
  { name: 'staging-web-2', environment: 'staging', image: 'web-base' },
  { name: 'staging-db-1', environment: 'staging', image: 'db-base' },
  { name: 'prod-web-1', environment: 'production', image: 'web-base' },
  { name: 'prod-web-2', environment: 'production', image: 'web-base' },
  { name: 'prod-db-1', environment: 'production', image: 'db-base' },
];

export const DEMO_POLICIES = [
  { environment: 'staging', approvalsRequired: 1, minDurationMinutes: 1, maxDurationMinutes: 240 },
  { environment: 'production', approvalsRequired: 2, minDurationMinutes: 1, maxDurationMinutes: 120 },
];

export async function seedDemo(prisma: PrismaClient, dataDir: string): Promise<boolean> {
  if ((await prisma.user.count()) > 0) return false;
  const passwordHash = await hashPassword('demo');
  const images = new Map<string, { id: string; name: string; version: string; source: string }>();
  for (const img of IMAGES) {
    const source = path.join('images', `${img.name}-${img.version}`);
    for (const [file, content] of Object.entries(img.files)) {
      const p = path.join(imageDirectory(dataDir, source), file);
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, content);
    }
    images.set(img.name, { name: img.name, version: img.version, source, id: '' });
  }
  const hostIds = new Map<string, string>();
  await prisma.$transaction(async (tx) => {
    for (const u of DEMO_USERS) await tx.user.create({ data: { ...u, passwordHash } });
    for (const img of images.values()) {
      const row = await tx.image.create({ data: { name: img.name, version: img.version, source: img.source } });
      img.id = row.id;
    }
    for (const p of DEMO_POLICIES) await tx.policy.create({ data: p });
    for (const h of HOSTS) {
      const host = await tx.host.create({ data: { name: h.name, environment: h.environment, imageId: images.get(h.image)!.id, connector: 'local' } });
      hostIds.set(h.name, host.id);
      await appendAudit(tx, {
        type: 'host.created',
        subjectType: 'host',
        subjectId: host.id,
        data: { name: h.name, environment: h.environment, image: h.image, demo: true },
      });
    }
    await appendAudit(tx, { type: 'demo.seeded', data: { users: DEMO_USERS.map((u) => u.username) } });
  });
  for (const h of HOSTS) {
    await buildHostFromImage(
      dataDir,
      { host: { id: hostIds.get(h.name)!, name: h.name, environment: h.environment, instance: 1, connectorConfig: {} }, image: images.get(h.image)! },
      1,
    );
  }
  return true;
}
