// The reads a change to a request starts with, inside its transaction: the
// request locked, and whether its host may be granted. Used by every module
// that changes requests, sessions and extensions (and by nothing they import).
import type { Tx } from '../db/client.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { GRANTABLE_HOST_STATES, OPEN_REPLACEMENT_STATUSES, type HostState } from '../states.js';

/** The request with its host, locked for the rest of the transaction. */
export async function lockRequest(tx: Tx, id: string) {
  await tx.$executeRaw`SELECT 1 FROM access_requests WHERE id = ${id}::uuid FOR UPDATE`;
  const request = await tx.accessRequest.findUnique({ where: { id }, include: { host: true } });
  if (!request) throw new NotFoundError('Request');
  return request;
}

/** A host being replaced (or broken, or retired) is never granted. */
export async function assertHostGrantable(tx: Tx, hostId: string): Promise<void> {
  const host = await tx.host.findUnique({ where: { id: hostId } });
  if (!host || host.retiredAt) throw new ConflictError('This host is retired.', 'host_unavailable');
  const pending = await tx.replacement.count({ where: { hostId, status: { in: OPEN_REPLACEMENT_STATUSES } } });
  if (!GRANTABLE_HOST_STATES.includes(host.state as HostState) || pending > 0) {
    throw new ConflictError(`Host ${host.name} is ${host.state} and awaiting replacement; it cannot be granted until it is healthy again.`, 'host_unavailable');
  }
}
