// Sessions in the database: opening one inside its grant, ending it durably
// (taint + replacement in the same transaction), and recovering the sessions a
// crashed broker left open. The live side (pty, sockets) is TerminalSession.
import type { Config } from '../config.js';
import type { PrismaClient, Tx } from '../db/client.js';
import { appendAudit } from '../audit/audit-service.js';
import { mayWatch, seesEverything, type AuthUser } from '../auth/roles.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { publish } from '../events/change-feed.js';
import { assertHostGrantable, lockRequest } from '../access/access-locks.js';
import { isInsideWindow } from '../access/access-fns.js';
import type { ReplacementService } from '../replacement/replacement-service.js';
import type { WebSocket } from 'ws';
import type { Connector, ShellCommand } from './connectors/connector.js';
import { appendLastEvent } from '../recording/recording-end.js';
import { RecordingTail } from './recording-tail.js';
import type { LiveIndex } from '../search/live-index.js';
import type { RecordingWriter } from '../recording/recording-writer.js';
import type { HostOwners } from '../replicas/host-owner.js';
import type { ReplicaHop } from './replica-hop.js';
import { Deadlines } from './deadlines.js';
import { TerminalSession, type SessionEnd, type SessionServices } from './terminal-session.js';
import { sessionInclude, toSessionView } from './session-views.js';
import { Watchers } from './watchers.js';
import type { EndReason } from './protocol.js';
import { sealSession } from '../evidence/manifest.js';
import type { SigningKey } from '../evidence/signing-key.js';
import type { Notifier } from '../notifications/notifier.js';

type Deps = {
  prisma: PrismaClient;
  config: Pick<Config, 'brokerId' | 'minuteMs' | 'warnBeforeEndMinutes' | 'disconnectGraceMs'>;
  connectors: Map<string, Connector>;
  writer: RecordingWriter;
  /** Search lines of this replica's sessions, made from their chunks as they are committed. */
  liveIndex?: LiveIndex;
  replacements: ReplacementService;
  /** This replica's lease: shells run only while it holds (see fence.ts). */
  fence: { readonly held: boolean; guard(pid: number): void; release(pid: number): void };
  /** Forwards a requester's socket to the replica holding the pty. */
  hop?: ReplicaHop;
  /** Sessions of a local host are opened on the replica that owns it. */
  owners?: Pick<HostOwners, 'ownerOfRequestHost' | 'call'>;
  log: (msg: string, extra?: object) => void;
  signingKey: SigningKey;
  notifier?: Notifier;
};

/** Orphaned sessions ended at once, each in its own transaction (the pool has 10 connections). */
const ORPHAN_ENDS_AT_ONCE = 4;

function emergencyBanner(request: { emergency: boolean; reviewDueAt: Date | null }): string | undefined {
  if (!request.emergency) return undefined;
  const due = request.reviewDueAt ? ` by ${request.reviewDueAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  return `EMERGENCY ACCESS: granted without the usual approvals; an approver will review this session${due}.`;
}

export function sessionService(deps: Deps) {
  const { prisma, config, replacements } = deps;
  const live = new Map<string, TerminalSession>();
  const watching = new Watchers((sessionId, users) => live.get(sessionId)?.watchedBy(users));

  /**
   * Session end, taint and replacement in one transaction. Retried for as long
   * as Postgres is away (the shell is already dead): the end must become
   * durable, and if this broker dies first, its restart or another replica does it.
   * Resolves to the reason the database holds: ours, or the one of whoever ended
   * it first (another replica that took over after this one's lease expired).
   */
  async function persistEnd(sessionId: string, end: SessionEnd): Promise<EndReason | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await prisma.$transaction((tx) => endSession(tx, sessionId, end, {}));
      } catch (err) {
        deps.log(`could not record the end of session ${sessionId} (attempt ${attempt}): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * attempt)));
      }
    }
  }

  /**
   * The end, exactly once: the session row is locked (chunk inserts wait for it,
   * and are refused after it), the recording's last event names the reason,
   * then the row, the audit event and the replacement. With `ownerLapsedMs`,
   * only if the owning replica's lease has expired by the database's clock
   * (its row is share-locked, so it cannot renew meanwhile); else undefined.
   */
  async function endSession(tx: Tx, sessionId: string, end: SessionEnd, opts: { ownerLapsedMs?: number }): Promise<EndReason | undefined> {
    type Row = { started_at: Date; end_reason: string | null; ended: boolean; broker_id: string };
    // Another replica's orphan that is being ended (locked) by a third is left to it: replicas that
    // take over the same gone replica split its sessions instead of queueing on each row in turn.
    // NO KEY UPDATE, not UPDATE: a frozen owner's recording write in flight holds the row's KEY SHARE
    // lock (the chunks' foreign key), which must neither hold up nor hide its session from the takeover.
    const [row] =
      opts.ownerLapsedMs === undefined
        ? await tx.$queryRaw<Row[]>`
      SELECT started_at, end_reason, ended_at IS NOT NULL AS ended, broker_id FROM sessions WHERE id = ${sessionId}::uuid FOR UPDATE`
        : await tx.$queryRaw<Row[]>`
      SELECT started_at, end_reason, ended_at IS NOT NULL AS ended, broker_id FROM sessions WHERE id = ${sessionId}::uuid FOR NO KEY UPDATE SKIP LOCKED`;
    if (!row) return undefined;
    if (row.ended) return row.end_reason as EndReason;
    if (opts.ownerLapsedMs !== undefined) {
      const [lease] = await tx.$queryRaw<{ lapsed: boolean }[]>`
        SELECT COALESCE(lease_until, heartbeat_at + make_interval(secs => ${opts.ownerLapsedMs / 1000})) < now() AS lapsed
        FROM brokers WHERE id = ${row.broker_id} FOR SHARE`;
      if (lease && !lease.lapsed) return undefined;
    }
    // If the recording itself cannot be written (the reason it failed), the end must still become durable.
    await tx.$executeRaw`SAVEPOINT last_event`;
    try {
      await appendLastEvent(tx, sessionId, row.started_at, Buffer.from(`session ended: ${end.reason}`));
      await tx.$executeRaw`RELEASE SAVEPOINT last_event`;
    } catch (err) {
      await tx.$executeRaw`ROLLBACK TO SAVEPOINT last_event`;
      deps.log(`the recording of session ${sessionId} could not take its last event: ${(err as Error).message}`);
    }
    const endedAt = new Date();
    await tx.session.update({
      where: { id: sessionId },
      data: { endedAt, endReason: end.reason, bytesIn: end.bytesIn, bytesOut: end.bytesOut },
    });
    const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId }, include: { user: true } });
    // The signed manifest, in this same transaction (src/evidence/manifest.ts says why).
    const manifest = await sealSession(tx, deps.signingKey, sessionId, { endedAt, reason: end.reason, bytesIn: end.bytesIn, bytesOut: end.bytesOut });
    await appendAudit(tx, {
      type: 'session.ended',
      actor: null,
      subjectType: 'session',
      subjectId: sessionId,
      data: {
        reason: end.reason,
        user: session.user.username,
        hostId: session.hostId,
        bytesIn: end.bytesIn,
        bytesOut: end.bytesOut,
        error: end.error ?? null,
        manifest,
      },
    });
    await replacements.scheduleAfterSession(tx, session.hostId, sessionId);
    await deps.notifier?.emit(tx, 'session.ended', session.requestId, { sessionId, endReason: end.reason });
    await publish(tx, { type: 'change', kind: 'session', id: sessionId });
    return end.reason;
  }

  /**
   * Ends sessions whose owner's lease expired; the bytes are counted from the
   * recording. A few at a time: each end's transaction waits on the audit
   * chain only for its commit, so they overlap (the pool keeps room for the rest).
   */
  async function endOrphans(ids: string[], ownerLapsedMs?: number): Promise<number> {
    let ended = 0;
    const queue = [...ids];
    const endOne = async (id: string) => {
      const sums = await prisma.$queryRaw<{ kind: string; bytes: bigint }[]>`
        SELECT kind, COALESCE(SUM(length(data)), 0)::bigint AS bytes FROM recording_chunks WHERE session_id = ${id}::uuid GROUP BY kind`;
      const bytes = (k: string) => Number(sums.find((r) => r.kind === k)?.bytes ?? 0);
      // One attempt: the next lease tick tries again, and a tick must not wait on an outage.
      const end = { reason: 'interrupted' as const, bytesIn: bytes('i'), bytesOut: bytes('o') };
      if (await prisma.$transaction((tx) => endSession(tx, id, end, { ownerLapsedMs }))) ended++;
    };
    const lane = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await endOne(id);
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(ORPHAN_ENDS_AT_ONCE, queue.length) }, lane));
    const failed = lanes.find((l) => l.status === 'rejected');
    if (failed) throw failed.reason;
    return ended;
  }

  type GrantState = { status: string; approvedAt: Date | null; expiresAt: Date | null };

  /** The refusal (409 outside_window) for a grant no longer usable for a shell, saying what follows; undefined while it is usable. */
  function unusable(request: GrantState, then: string): ConflictError | undefined {
    if (request.status === 'approved' && isInsideWindow(new Date(), request.approvedAt, request.expiresAt)) return undefined;
    return new ConflictError(`This grant is ${request.status === 'approved' ? 'outside its time window' : request.status}; ${then}`, 'outside_window');
  }

  const endReasonFor = (request: GrantState): EndReason => (request.status === 'revoked' ? 'revoked' : 'expired');

  /** This replica's pty of the session, if any; a grant no longer usable ends it and refuses. */
  function usableTerminal(session: { id: string; request: GrantState }): TerminalSession | undefined {
    const terminal = live.get(session.id);
    const refusal = unusable(session.request, 'the session is being ended.');
    if (refusal) {
      void terminal?.end(endReasonFor(session.request));
      throw refusal;
    }
    return terminal;
  }

  /** The end of a session of this replica: durable first, then it is no longer live here and its shell no longer guarded. */
  function finish(sessionId: string, pid: number | undefined, e: SessionEnd): Promise<EndReason | undefined> {
    // A shell that died because the fence killed it was interrupted, not exited.
    return persistEnd(sessionId, e.reason === 'exit' && !deps.fence.held ? { ...e, reason: 'interrupted' } : e).finally(() => {
      live.delete(sessionId);
      if (pid !== undefined) deps.fence.release(pid);
    });
  }

  /** What every live session here shares; each call names the session (no closures of each session's own). */
  const services: SessionServices = {
    writer: deps.writer,
    timing: config,
    deadlines: new Deadlines(),
    persistEnd: (terminal, e) => finish(terminal.info.id, terminal.pid, e),
    currentEnd: (terminal) => currentEnd(terminal.info.requestId),
    observe: deps.liveIndex && ((terminal, rows) => deps.liveIndex!.feed(terminal.info.id, rows)),
  };

  /** The grant's end as committed: null once it is no longer approved. */
  async function currentEnd(requestId: string): Promise<Date | null> {
    const r = await prisma.accessRequest.findUnique({ where: { id: requestId }, select: { status: true, expiresAt: true } });
    return r?.status === 'approved' ? r.expiresAt : null;
  }

  /** A connector's warning (e.g. an unsandboxed shell) goes to the log and the audit trail before the shell starts. */
  async function recordWarning(sessionId: string, hostName: string, warning: string): Promise<void> {
    deps.log(`session ${sessionId} on ${hostName}: ${warning}`);
    await prisma.$transaction((tx) =>
      appendAudit(tx, { type: 'session.warning', actor: null, subjectType: 'session', subjectId: sessionId, data: { host: hostName, warning } }),
    );
  }

  async function view(id: string) {
    const row = await prisma.session.findUnique({ where: { id }, include: sessionInclude });
    if (!row) throw new NotFoundError('Session');
    return toSessionView(row, live.get(id)?.bytes);
  }

  return {
    live,

    async open(user: AuthUser, requestId: string, size: { cols: number; rows: number }): Promise<{ id: string; expiresAt: string }> {
      const remote = await deps.owners?.ownerOfRequestHost(requestId);
      if (remote) return deps.owners!.call(remote, `request:${requestId}`, user.id, `/internal/requests/${requestId}/sessions`, size);
      if (!deps.fence.held)
        throw new ConflictError('This broker replica cannot renew its lease in the database right now; try again shortly.', 'broker_unavailable');
      const { session, request } = await prisma.$transaction(async (tx) => {
        const request = await lockRequest(tx, requestId);
        if (request.requesterId !== user.id) throw new ForbiddenError('Only the requester can open a shell on this grant.', 'not_requester');
        const refusal = unusable(request, 'no session can be opened.');
        if (refusal) throw refusal;
        await assertHostGrantable(tx, request.hostId);
        const session = await tx.session.create({
          data: { requestId, hostId: request.hostId, userId: user.id, brokerId: config.brokerId, cols: size.cols, rows: size.rows },
        });
        await tx.host.update({ where: { id: request.hostId }, data: { state: 'in_use', taintedAt: request.host.taintedAt ?? new Date() } });
        await appendAudit(tx, {
          type: 'session.started',
          actor: user,
          subjectType: 'session',
          subjectId: session.id,
          data: { requestId, hostId: request.hostId, host: request.host.name, broker: config.brokerId },
        });
        await publish(tx, { type: 'change', kind: 'session', id: session.id });
        await publish(tx, { type: 'change', kind: 'host', id: request.hostId });
        await deps.notifier?.emit(tx, 'session.started', requestId, { sessionId: session.id });
        return { session, request };
      });
      const host = request.host;
      let pid: number | undefined;
      let command: ShellCommand | undefined;
      try {
        const connector = deps.connectors.get(host.connector);
        if (!connector) throw new Error(`no connector "${host.connector}" on this broker`);
        command = await connector.prepare({
          host: { ...host, connectorConfig: host.connectorConfig as Record<string, unknown> },
          sessionId: session.id,
          requestId,
          user,
          expiresAt: request.expiresAt!,
        });
        if (command.warning) await recordWarning(session.id, host.name, command.warning);
        const policy = await prisma.policy.findUnique({ where: { environment: host.environment } });
        const terminal = new TerminalSession(
          {
            id: session.id,
            requestId: request.id, // the row's own string, not a slice of the request's URL (which it would keep)
            userId: user.id,
            hostName: host.name,
            instance: host.instance,
            startedAtMs: session.startedAt.getTime(),
            expiresAtMs: request.expiresAt!.getTime(),
            cols: size.cols,
            rows: size.rows,
            banner: emergencyBanner(request),
          },
          command,
          services,
          policy?.idleTimeoutMinutes,
        );
        live.set(session.id, terminal);
        if (request.emergency) terminal.notice(emergencyBanner(request)!);
        pid = terminal.pid;
        deps.fence.guard(pid);
      } catch (err) {
        deps.log(`session ${session.id} could not start: ${(err as Error).message}`);
        await command?.dispose().catch(() => {});
        await finish(session.id, pid, { reason: 'exit', bytesIn: 0, bytesOut: 0, error: (err as Error).message });
        throw new ConflictError(`The shell could not be started on ${host.name}: ${(err as Error).message}`, 'connect_failed');
      }
      // A revoke or an end of the grant committed while the shell was being prepared found nothing live here
      // to kill (its message came before the session was live): look once more, now that it is.
      const grant = await prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId }, select: { status: true, approvedAt: true, expiresAt: true } });
      const refusal = unusable(grant, 'the shell that had started was ended.');
      if (refusal) {
        await live.get(session.id)?.end(endReasonFor(grant));
        throw refusal;
      }
      return { id: session.id, expiresAt: request.expiresAt!.toISOString() };
    },

    /**
     * Attaches a websocket: the requester controls the shell, through whichever
     * replica they reached (one that does not hold the pty forwards the socket
     * to the one that does); approvers and auditors watch it, from any replica,
     * through the recording. Throws before the upgrade when neither applies.
     */
    async attach(user: AuthUser, sessionId: string): Promise<(ws: WebSocket) => void> {
      const session = await prisma.session.findUnique({ where: { id: sessionId }, include: { host: true, request: true } });
      if (!session) throw new NotFoundError('Session');
      const controls = session.userId === user.id;
      if (!controls && !mayWatch(user)) throw new ForbiddenError('Only the requester may attach; approvers and auditors may watch.', 'not_requester');
      if (session.endedAt) throw new ConflictError(`This session has ended (${session.endReason}); replay its recording instead.`, 'session_ended');
      if (!controls) {
        const tail = new RecordingTail(prisma, {
          id: session.id,
          hostName: session.host.name,
          expiresAt: session.request.expiresAt!,
          cols: session.cols,
          rows: session.rows,
        });
        return (ws) => {
          void tail.start(ws);
          watching.add(sessionId, ws, user.username);
        };
      }
      const terminal = usableTerminal(session);
      if (terminal) return (ws) => terminal.attach(ws);
      const [owner] = await prisma.$queryRaw<{ address: string }[]>`
        SELECT address FROM brokers WHERE id = ${session.brokerId} AND address IS NOT NULL AND lease_until > now()`;
      if (!owner || !deps.hop || session.brokerId === config.brokerId) {
        throw new ConflictError(
          'The broker replica holding this session cannot be reached (its lease has lapsed); the session is being ended as interrupted.',
          'session_unreachable',
        );
      }
      const token = deps.hop.token({ subject: `session:${sessionId}`, userId: user.id, brokerId: session.brokerId });
      return (ws) => deps.hop!.forward(ws, owner.address, sessionId, token);
    },

    /** The owner's side of a forwarded open: the first replica authenticated `userId`. */
    async openForwarded(userId: string, requestId: string, size: { cols: number; rows: number }) {
      const row = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, username: true, roles: true } });
      if (!row) throw new ForbiddenError('Only the requester can open a shell on this grant.', 'not_requester');
      return this.open({ ...row, roles: row.roles as AuthUser['roles'] }, requestId, size);
    },

    /** The owner's side of a forwarded attach: the first replica authenticated `userId`. */
    async attachForwarded(userId: string, sessionId: string): Promise<(ws: WebSocket) => void> {
      const session = await prisma.session.findUnique({ where: { id: sessionId }, include: { request: true } });
      if (!session || session.userId !== userId) throw new ForbiddenError('Only the requester may attach.', 'not_requester');
      if (session.endedAt) throw new ConflictError(`This session has ended (${session.endReason}).`, 'session_ended');
      const terminal = usableTerminal(session);
      if (!terminal) throw new ConflictError('This replica does not hold this session.', 'session_unreachable');
      return (ws) => terminal.attach(ws);
    },

    terminal(sessionId: string): TerminalSession | undefined {
      return live.get(sessionId);
    },

    /** A grant-notice from the change feed: said in this replica's live sessions of the grant, whose end moves with an extension. */
    tell(requestId: string, message: string, expiresAt?: string): void {
      for (const s of live.values()) {
        if (s.info.requestId !== requestId) continue;
        if (expiresAt) s.moveEnd(new Date(expiresAt));
        s.notice(message);
      }
    },

    async kill(requestId: string, reason: EndReason): Promise<void> {
      await Promise.all([...live.values()].filter((s) => s.info.requestId === requestId).map((s) => s.end(reason)));
    },

    /** At start-up: sessions this broker owned before it died are ended as interrupted. */
    async recoverInterrupted(): Promise<number> {
      const orphans = await prisma.session.findMany({ where: { brokerId: config.brokerId, endedAt: null }, select: { id: true } });
      return endOrphans(orphans.map((o) => o.id));
    },

    /** Sessions of other replicas whose lease expired (by the database's clock): they fenced themselves. */
    async recoverFromDeadBrokers(leaseMs: number): Promise<number> {
      const orphans = await prisma.$queryRaw<{ id: string }[]>`
        SELECT s.id FROM sessions s LEFT JOIN brokers b ON b.id = s.broker_id
        WHERE s.ended_at IS NULL AND s.broker_id <> ${config.brokerId}
          AND (b.id IS NULL OR COALESCE(b.lease_until, b.heartbeat_at + make_interval(secs => ${leaseMs / 1000})) < now())`;
      return endOrphans(
        orphans.map((o) => o.id),
        leaseMs,
      );
    },

    /**
     * Reconciliation, not only notification: the sessions this replica holds
     * are checked against the database, and those revoked, past their window or
     * ended elsewhere are ended here. Runs on every lease tick and after every
     * (re)connect of the change feed, so a lost notification costs one tick.
     */
    async reconcile(): Promise<number> {
      const ids = [...live.keys()];
      if (ids.length === 0) return 0;
      const rows = await prisma.$queryRaw<{ id: string; ended: boolean; status: string; past: boolean }[]>`
        SELECT s.id::text AS id, s.ended_at IS NOT NULL AS ended, r.status, COALESCE(r.expires_at <= now(), false) AS past
        FROM sessions s JOIN access_requests r ON r.id = s.request_id WHERE s.id = ANY(${ids}::uuid[])`;
      let ending = 0;
      for (const row of rows) {
        const terminal = live.get(row.id);
        if (!terminal || terminal.ended) continue;
        const reason: EndReason | undefined = row.ended
          ? 'interrupted'
          : row.status === 'revoked'
            ? 'revoked'
            : row.status !== 'approved' || row.past
              ? 'expired'
              : undefined;
        // Not awaited: the end waits for its durability, a lease tick must not.
        if (reason) {
          void terminal.end(reason);
          ending++;
        }
      }
      return ending;
    },

    async endAll(reason: EndReason): Promise<void> {
      await Promise.all([...live.values()].map((s) => s.end(reason)));
    },

    view,

    async row(id: string) {
      return prisma.session.findUniqueOrThrow({ where: { id }, select: { cols: true, rows: true, startedAt: true } });
    },

    async list(user: AuthUser, filter: { hostId?: string; requestId?: string; user?: string; endReason?: string; from?: string; to?: string }) {
      const seesAll = seesEverything(user);
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
      if (v.user !== user.username && !seesEverything(user)) throw new NotFoundError('Session');
      return v;
    },
  };
}

export type SessionService = ReturnType<typeof sessionService>;
