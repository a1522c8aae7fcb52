/**
 * Credential epochs, shared by the registry (which raises them) and the grant objects (which
 * refuse anything older). A client's epoch rises when its secret is rotated or it is deleted; a
 * user's when the password changes or the user is deactivated or deleted. A token issued under an
 * older epoch than its object's fence is dead.
 */
export interface Fence {
  clientEpoch: number;
  userEpoch: number;
}

/** A deleted client never comes back (client ids are random), so its fence is final. */
export const DELETED = Number.MAX_SAFE_INTEGER;
