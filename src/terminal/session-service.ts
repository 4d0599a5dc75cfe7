// Sessions in the database: opening one inside its grant, ending it durably
// (taint + replacement in the same transaction), and recovering the sessions a
// crashed broker left open. The live side (pty, sockets) is TerminalSession.
import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { appendAudit } from '../audit/audit-service.js';
import { hasRole, type AuthUser } from '../auth/roles.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { assertHostGrantable, lockRequest } from '../access/access-service.js';
import { isInsideWindow } from '../access/access-fns.js';
import type { ReplacementService } from '../replacement/replacement-service.js';
import type { WebSocket } from 'ws';
import type { Connector, ShellCommand } from './connectors/connector.js';
import { RecordingTail } from '../recording/recording-tail.js';
import type { RecordingWriter } from '../recording/recording-writer.js';
import { TerminalSession, type SessionEnd } from './terminal-session.js';
import { sessionInclude, toSessionView } from './session-views.js';
import type { EndReason } from './protocol.js';

type Deps = {
  prisma: PrismaClient;
  config: Pick<Config, 'brokerId' | 'minuteMs' | 'warnBeforeEndMinutes' | 'disconnectGraceMs'>;
  connectors: Map<string, Connector>;
  writer: RecordingWriter;
  replacements: ReplacementService;
  log: (msg: string, extra?: object) => void;
};


export function sessionService(deps: Deps) {
  const { prisma, config, replacements } = deps;
  const live = new Map<string, TerminalSession>();

  /**
   * Session end, taint and replacement in one transaction. Retried for as long
   * as Postgres is away (the shell is already dead): the end must become
   * durable, and if this broker dies first, its restart or another replica does it.
   */
  async function persistEnd(sessionId: string, end: SessionEnd): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await prisma.$transaction(async (tx) => {
          const s = await tx.session.updateMany({
            where: { id: sessionId, endedAt: null },
            data: { endedAt: new Date(), endReason: end.reason, bytesIn: end.bytesIn, bytesOut: end.bytesOut },
          });
          if (s.count === 0) return;
          const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId }, include: { user: true } });
          await appendAudit(tx, {
            type: 'session.ended', actor: null, subjectType: 'session', subjectId: sessionId,
            data: { reason: end.reason, user: session.user.username, hostId: session.hostId, bytesIn: end.bytesIn, bytesOut: end.bytesOut, error: end.error ?? null },
          });
          await replacements.scheduleAfterSession(tx, session.hostId, sessionId);
          await publish(tx, { type: 'change', kind: 'session', id: sessionId });
        });
        return;
      } catch (err) {
        deps.log(`could not record the end of session ${sessionId} (attempt ${attempt}): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * attempt)));
      }
    }
  }

  /** Ends sessions whose pty is gone with its broker; the bytes are counted from the recording. */
  async function endOrphans(ids: string[]): Promise<number> {
    for (const id of ids) {
      const sums = await prisma.$queryRaw<{ kind: string; bytes: bigint }[]>`
        SELECT kind, COALESCE(SUM(length(data)), 0)::bigint AS bytes FROM recording_chunks WHERE session_id = ${id}::uuid GROUP BY kind`;
      const bytes = (k: string) => Number(sums.find((r) => r.kind === k)?.bytes ?? 0);
      await persistEnd(id, { reason: 'interrupted', bytesIn: bytes('i'), bytesOut: bytes('o') });
    }
    return ids.length;
  }

  /** A connector's warning (e.g. an unsandboxed shell) goes to the log and the audit trail before the shell starts. */
  async function recordWarning(sessionId: string, hostName: string, warning: string): Promise<void> {
    deps.log(`session ${sessionId} on ${hostName}: ${warning}`);
    await prisma.$transaction((tx) => appendAudit(tx, { type: 'session.warning', actor: null, subjectType: 'session', subjectId: sessionId, data: { host: hostName, warning } }));
  }

  async function view(id: string) {
    const row = await prisma.session.findUnique({ where: { id }, include: sessionInclude });
    if (!row) throw new NotFoundError('Session');
    return toSessionView(row, live.get(id)?.bytes);
  }

  return {
    live,

    async open(user: AuthUser, requestId: string, size: { cols: number; rows: number }) {
      const { session, request } = await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, requestId);
        if (request.requesterId !== user.id) throw new ForbiddenError('Only the requester can open a shell on this grant.', 'not_requester');
        if (request.status !== 'approved' || !isInsideWindow(new Date(), request.approvedAt, request.expiresAt)) {
          throw new ConflictError(`This grant is ${request.status === 'approved' ? 'outside its time window' : request.status}; no session can be opened.`, 'outside_window');
        }
        await assertHostGrantable(tx, request.hostId);
        const session = await tx.session.create({
          data: { requestId, hostId: request.hostId, userId: user.id, brokerId: config.brokerId, cols: size.cols, rows: size.rows },
        });
        await tx.host.update({ where: { id: request.hostId }, data: { state: 'in_use', taintedAt: request.host.taintedAt ?? new Date() } });
        await appendAudit(tx, {
          type: 'session.started', actor: user, subjectType: 'session', subjectId: session.id,
          data: { requestId, hostId: request.hostId, host: request.host.name, broker: config.brokerId },
        });
        await publish(tx, { type: 'change', kind: 'session', id: session.id });
        await publish(tx, { type: 'change', kind: 'host', id: request.hostId });
        return { session, request };
      });
      const host = request.host;
      const end = (e: SessionEnd) => persistEnd(session.id, e).finally(() => live.delete(session.id));
      let command: ShellCommand | undefined;
      try {
        const connector = deps.connectors.get(host.connector);
        if (!connector) throw new Error(`no connector "${host.connector}" on this broker`);
        command = await connector.prepare({
          host: { ...host, connectorConfig: host.connectorConfig as Record<string, unknown> },
          sessionId: session.id, requestId, user, expiresAt: request.expiresAt!,
        });
        if (command.warning) await recordWarning(session.id, host.name, command.warning);
        const terminal = new TerminalSession(
          { id: session.id, requestId, userId: user.id, hostName: host.name, startedAt: session.startedAt, expiresAt: request.expiresAt!, cols: size.cols, rows: size.rows },
          command, deps.writer, config, end,
        );
        live.set(session.id, terminal);
      } catch (err) {
        deps.log(`session ${session.id} could not start: ${(err as Error).message}`);
        await command?.dispose().catch(() => {});
        await end({ reason: 'exit', bytesIn: 0, bytesOut: 0, error: (err as Error).message });
        throw new ConflictError(`The shell could not be started on ${host.name}: ${(err as Error).message}`, 'connect_failed');
      }
      return { id: session.id, expiresAt: request.expiresAt!.toISOString() };
    },

    /**
     * Attaches a websocket: the requester controls the shell (on the replica
     * that holds its pty); approvers and auditors watch it, from any replica,
     * through the recording. Throws before the upgrade when neither applies.
     */
    async attach(user: AuthUser, sessionId: string): Promise<(ws: WebSocket) => void> {
      const session = await prisma.session.findUnique({ where: { id: sessionId }, include: { host: true, request: true } });
      if (!session) throw new NotFoundError('Session');
      const controls = session.userId === user.id;
      if (!controls && !hasRole(user, 'approver', 'auditor')) throw new ForbiddenError('Only the requester may attach; approvers and auditors may watch.', 'not_requester');
      if (session.endedAt) throw new ConflictError(`This session has ended (${session.endReason}); replay its recording instead.`, 'session_ended');
      if (!controls) {
        const tail = new RecordingTail(prisma, { id: session.id, hostName: session.host.name, expiresAt: session.request.expiresAt! });
        return (ws) => void tail.start(ws);
      }
      const terminal = live.get(sessionId);
      if (!terminal) throw new ConflictError('This session runs on another broker replica; connect through it.', 'wrong_broker');
      return (ws) => terminal.attach(ws);
    },

    terminal(sessionId: string): TerminalSession | undefined {
      return live.get(sessionId);
    },

    async kill(requestId: string, reason: EndReason): Promise<void> {
      await Promise.all([...live.values()].filter((s) => s.info.requestId === requestId).map((s) => s.end(reason)));
    },

    /** At start-up: sessions this broker owned before it died are ended as interrupted. */
    async recoverInterrupted(): Promise<number> {
      const orphans = await prisma.session.findMany({ where: { brokerId: config.brokerId, endedAt: null }, select: { id: true } });
      return endOrphans(orphans.map((o) => o.id));
    },

    /** Sessions of other replicas that stopped beating: their ptys died with them. */
    async recoverFromDeadBrokers(deadAfterMs: number): Promise<number> {
      const orphans = await prisma.$queryRaw<{ id: string }[]>`
        SELECT s.id FROM sessions s LEFT JOIN brokers b ON b.id = s.broker_id
        WHERE s.ended_at IS NULL AND s.broker_id <> ${config.brokerId}
          AND (b.heartbeat_at IS NULL OR b.heartbeat_at < now() - make_interval(secs => ${deadAfterMs / 1000}))`;
      return endOrphans(orphans.map((o) => o.id));
    },

    async endAll(reason: EndReason): Promise<void> {
      await Promise.all([...live.values()].map((s) => s.end(reason)));
    },

    view,

    async row(id: string) {
      return prisma.session.findUniqueOrThrow({ where: { id }, select: { cols: true, rows: true, startedAt: true } });
    },

    async list(user: AuthUser, filter: { hostId?: string; requestId?: string; user?: string; endReason?: string; from?: string; to?: string }) {
      const seesAll = hasRole(user, 'approver', 'auditor', 'admin');
      const rows = await prisma.session.findMany({
        where: {
          hostId: filter.hostId,
          requestId: filter.requestId,
          endReason: filter.endReason,
          user: filter.user ? { username: filter.user } : undefined,
          userId: seesAll ? undefined : user.id,
          startedAt: { gte: filter.from ? new Date(filter.from) : undefined, lt: filter.to ? new Date(filter.to) : undefined },
        },
        include: sessionInclude,
        orderBy: { startedAt: 'desc' },
        take: 500,
      });
      return rows.map((r) => toSessionView(r, live.get(r.id)?.bytes));
    },

    async get(user: AuthUser, id: string) {
      const v = await view(id);
      if (v.user !== user.username && !hasRole(user, 'approver', 'auditor', 'admin')) throw new NotFoundError('Session');
      return v;
    },
  };
}

export type SessionService = ReturnType<typeof sessionService>;
