import { failure, MESSAGES, success, type Outcome } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import { EXPIRY_MARGIN_MS, type RefreshRow } from "./issue-decision";
import type { GrantKey } from "./key";
import { narrowScope } from "./scope-narrowing";

/** What a refresh request presents, as far as the rules care. */
export interface PresentedRefresh {
  clientId: string;
  clientEpoch: number;
  scope: string[] | null;
  maxLifetimeMs: number | null;
  allowedScope: string | null;
  grantTypes: string[];
  jkt: string | null;
}

/** The scope the caller may always hold, even with a scope list (SPEC §5.1). */
const DEFAULT_SCOPE = "default";

/**
 * Whether a refresh may proceed (SPEC §5.4), pure: the presented token must be a live row of this
 * grant, issued to the caller, under the caller's current secret, and the requested scope a
 * subset of the grant's. Checked before minting and again inside the transaction.
 */
export function checkRefresh(
  key: GrantKey,
  refresh: RefreshRow | null,
  request: PresentedRefresh,
  fence: Fence,
  now: number,
): Outcome<{ refresh: RefreshRow; scope: string; deadline: number | null }> {
  if (!refresh || refresh.expiresAt - now <= EXPIRY_MARGIN_MS) return failure("invalid_grant", MESSAGES.refreshTokenInvalid);
  if (key.clientId !== request.clientId) return failure("invalid_grant", MESSAGES.refreshTokenOfOtherClient);
  // SPEC §13: the binding is part of the key; a bound grant refreshes only with proofs of its key.
  if ((key.jkt ?? null) !== request.jkt) {
    return failure("invalid_dpop_proof", key.jkt ? "The grant is bound to another DPoP key." : "The grant is not DPoP-bound; refresh it without a proof.");
  }
  // Issued under an older client secret than the caller authenticated with, or presented with a
  // secret older than the object knows: dead either way.
  if (refresh.clientEpoch < request.clientEpoch || request.clientEpoch < fence.clientEpoch) {
    return failure("invalid_grant", MESSAGES.refreshTokenInvalid);
  }
  // SPEC §12: the registration as it is now; a narrowed client cannot refresh back to old scopes.
  if (refresh.originGrant && !request.grantTypes.includes(refresh.originGrant)) {
    return failure("unauthorized_client", `the client is no longer registered for the ${refresh.originGrant} grant`);
  }
  const scope = request.scope ? narrowScope(key.scope, request.scope) : key.scope;
  if (scope === null) return failure("invalid_scope", MESSAGES.scopeExceedsGrant);
  if (request.allowedScope !== null) {
    const allowed = new Set(request.allowedScope.split(" "));
    const refused = scope.split(" ").find((value) => value !== DEFAULT_SCOPE && !allowed.has(value));
    if (refused) return failure("invalid_scope", `the client may no longer obtain scope "${refused}"`);
  }
  // SPEC §12: rotation never extends the lineage past REFRESH_TOKEN_MAX_LIFETIME from its start.
  const deadline = request.maxLifetimeMs === null ? null : (refresh.familyStartedAt ?? refresh.issuedAt) + request.maxLifetimeMs;
  if (deadline !== null && deadline - now <= EXPIRY_MARGIN_MS) return failure("invalid_grant", MESSAGES.grantLifetimeOver);
  return success({ refresh, scope, deadline });
}
