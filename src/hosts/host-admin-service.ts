// Host administration (admin role): images, and hosts created, updated and
// retired. Each change is audited and published in its own transaction; a
// local host created here gets its directory built from its image in that
// transaction, so a host never exists without the machine it names.
import { rm } from 'node:fs/promises';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit, type Actor } from '../audit/audit-service.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { buildHostFromImage, checkImageSource, hostDirectory } from './local-hosts.js';
import { checkConnectorConfig, configSummary, type Rules } from './host-admin-fns.js';
import { hostInclude, toHostView } from './host-views.js';

export interface NewImage {
  name: string;
  version: string;
  source: string;
}
export interface NewHost {
  name: string;
  environment: string;
  imageId: string;
  connector: string;
  connectorConfig?: Record<string, unknown>;
}
export interface HostPatch {
  environment?: string;
  connectorConfig?: Record<string, unknown>;
}

type Deps = { prisma: PrismaClient; dataDir: string; rules: () => Rules; brokerId?: string };

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'P2002';

export function hostAdminService({ prisma, dataDir, rules, brokerId }: Deps) {
  async function adminView(tx: Tx | PrismaClient, id: string) {
    const row = await tx.host.findUniqueOrThrow({ where: { id }, include: hostInclude });
    return { ...toHostView(row), connectorConfig: row.connectorConfig as Record<string, unknown> };
  }

  async function lockHost(tx: Tx, id: string) {
    await tx.$executeRaw`SELECT 1 FROM hosts WHERE id = ${id}::uuid FOR UPDATE`;
    const host = await tx.host.findUnique({ where: { id } });
    if (!host) throw new NotFoundError('Host');
    if (host.retiredAt) throw new ConflictError(`Host ${host.name} is retired.`, 'host_retired');
    return host;
  }

  return {
    async listImages() {
      const rows = await prisma.image.findMany({ orderBy: { name: 'asc' }, include: { _count: { select: { hosts: { where: { retiredAt: null } } } } } });
      return rows.map(({ _count, createdAt, ...img }) => ({ ...img, createdAt: createdAt.toISOString(), hosts: _count.hosts }));
    },

    async createImage(actor: Actor, input: NewImage) {
      await checkImageSource(dataDir, input.source);
      try {
        return await prisma.$transaction(async (tx) => {
          if (await tx.image.findUnique({ where: { name: input.name } })) throw new ConflictError(`An image named ${input.name} exists.`, 'image_exists');
          const img = await tx.image.create({ data: input });
          await appendAudit(tx, { type: 'image.created', actor, subjectType: 'image', subjectId: img.id, data: { ...input } });
          return { ...img, createdAt: img.createdAt.toISOString(), hosts: 0 };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`An image named ${input.name} exists.`, 'image_exists');
        throw err;
      }
    },

    async createHost(actor: Actor, input: NewHost) {
      const connectorConfig = checkConnectorConfig(input.connector, input.connectorConfig, rules());
      let built = false;
      try {
        return await prisma.$transaction(async (tx) => {
          const image = await tx.image.findUnique({ where: { id: input.imageId } });
          if (!image) throw new NotFoundError('Image');
          if (await tx.host.findUnique({ where: { name: input.name } }))
            throw new ConflictError(`A host named ${input.name} exists (names stay taken after retirement).`, 'host_exists');
          const host = await tx.host.create({
            data: {
              name: input.name,
              environment: input.environment,
              imageId: image.id,
              connector: input.connector,
              connectorConfig: connectorConfig as object,
              // Built in this replica's data dir: this replica owns it.
              ownerBrokerId: input.connector === 'local' ? (brokerId ?? null) : null,
            },
          });
          await appendAudit(tx, {
            type: 'host.created',
            actor,
            subjectType: 'host',
            subjectId: host.id,
            data: {
              name: host.name,
              environment: host.environment,
              image: `${image.name}:${image.version}`,
              imageId: image.id,
              ...configSummary(host.connector, connectorConfig),
            },
          });
          await publish(tx, { type: 'change', kind: 'host', id: host.id });
          if (host.connector === 'local') {
            built = true;
            await buildHostFromImage(dataDir, { host: { ...host, connectorConfig }, image }, host.instance);
          }
          return adminView(tx, host.id);
        });
      } catch (err) {
        if (built) await rm(hostDirectory(dataDir, input.name), { recursive: true, force: true });
        if (isUniqueViolation(err)) throw new ConflictError(`A host named ${input.name} exists.`, 'host_exists');
        if (built && !(err instanceof ConflictError || err instanceof NotFoundError))
          throw new ConflictError(`The host could not be built from its image: ${(err as Error).message}`, 'build_failed');
        throw err;
      }
    },

    async updateHost(actor: Actor, id: string, patch: HostPatch) {
      return prisma.$transaction(async (tx) => {
        const host = await lockHost(tx, id);
        const connectorConfig = patch.connectorConfig === undefined ? undefined : checkConnectorConfig(host.connector, patch.connectorConfig, rules());
        await tx.host.update({ where: { id }, data: { environment: patch.environment, connectorConfig: connectorConfig as object | undefined } });
        const changed: Record<string, unknown> = {};
        if (patch.environment !== undefined) changed.environment = { from: host.environment, to: patch.environment };
        if (connectorConfig) changed.connectorConfig = configSummary(host.connector, connectorConfig);
        await appendAudit(tx, { type: 'host.updated', actor, subjectType: 'host', subjectId: id, data: { name: host.name, ...changed } });
        await publish(tx, { type: 'change', kind: 'host', id });
        return adminView(tx, id);
      });
    },

    /** Retires a host: it is no longer listed or granted. Refused while a session is open on it. */
    async retireHost(actor: Actor, id: string) {
      return prisma.$transaction(async (tx) => {
        const host = await lockHost(tx, id);
        const open = await tx.session.count({ where: { hostId: id, endedAt: null } });
        if (open > 0) throw new ConflictError(`Host ${host.name} has ${open} open session(s); revoke or wait for them before retiring it.`, 'session_open');
        await tx.host.update({ where: { id }, data: { retiredAt: new Date() } });
        await appendAudit(tx, { type: 'host.retired', actor, subjectType: 'host', subjectId: id, data: { name: host.name, environment: host.environment } });
        await publish(tx, { type: 'change', kind: 'host', id });
        return adminView(tx, id);
      });
    },

    async settings(id: string) {
      const exists = await prisma.host.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw new NotFoundError('Host');
      return adminView(prisma, id);
    },
  };
}

export type HostAdminService = ReturnType<typeof hostAdminService>;
