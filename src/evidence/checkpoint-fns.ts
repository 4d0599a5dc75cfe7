// Whether an audit chain (already walked and whole) still holds the event a
// signed checkpoint names, at its place, with its hash. Shared by the broker's
// GET /api/audit/verify and the offline `npm run verify -- audit`.
export interface CheckpointFacts {
  eventId: string;
  count: number;
  hash: string;
  at: string;
}

/** `found`: the chain's event with the checkpoint's id (its hash, its 1-based position), if any. */
export function checkpointProblem(cp: CheckpointFacts, found: { hash: string; position: number } | undefined, chainCount: number): string | undefined {
  if (!found)
    return `the chain ends at ${chainCount} events, but the checkpoint of ${cp.at} signed ${cp.count} events up to id ${cp.eventId}: the tail was deleted`;
  if (found.hash !== cp.hash) return `event ${cp.eventId} is not the one the checkpoint of ${cp.at} signed: the tail was rewritten`;
  if (found.position !== cp.count)
    return `the checkpoint of ${cp.at} signed ${cp.count} events up to id ${cp.eventId}; the chain has ${found.position}: events were removed or inserted`;
  return undefined;
}
