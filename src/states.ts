// Every state a host, request or replacement can be in, named once. Schemas,
// queries and the web app take their lists and types from here.
export const HOST_STATES = ['healthy', 'in_use', 'tainted', 'replacing', 'failed'] as const;
export type HostState = (typeof HOST_STATES)[number];
/** A host in these states may be granted (in_use: another grant's session is open on it). */
export const GRANTABLE_HOST_STATES: readonly HostState[] = ['healthy', 'in_use'];

export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'expired', 'revoked', 'closed', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REPLACEMENT_STATUSES = ['scheduled', 'running', 'succeeded', 'failed'] as const;
export type ReplacementStatus = (typeof REPLACEMENT_STATUSES)[number];
/** A replacement in these states is still to finish: at most one per host. */
export const OPEN_REPLACEMENT_STATUSES: ReplacementStatus[] = ['scheduled', 'running'];

export const APPROVAL_DECISIONS = ['approve', 'deny'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export const EXTENSION_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ExtensionStatus = (typeof EXTENSION_STATUSES)[number];

export const REVIEW_OUTCOMES = ['acknowledged', 'flagged'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];
