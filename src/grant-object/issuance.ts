import type { Failure } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import type { QueuedWrite } from "../store/outbox";
import { refusal } from "./fence";
import type { IssueRequest, RefreshRequest } from "./grant-rpc";
import { decideIssue, type AccessRow, type RefreshRow } from "./issue-decision";
import { holdsRefreshTokens } from "./key";
import type { MintedToken } from "./minter";
import type { GrantStorage, GrantTransaction } from "./transaction";

/** A request to issue for the object's key, with its candidate tokens already minted. */
export interface Issuance {
  request: Omit<IssueRequest, "fence">;
  /** The epochs the request was authenticated under (for a code: the client's now, the user's at login). */
  fence: Fence;
  format: string;
  access: MintedToken;
  refresh: MintedToken | null;
  /** The lineage of a redeemed code (its id); a new grant starts its own. */
  familyId?: string;
}

export type IssueStep =
  | { ok: true; kind: "reuse"; access: AccessRow; refresh: RefreshRow | null; expiresIn: number }
  | { ok: true; kind: "issued"; accessId: string; refreshId: string | null; keptRefresh: RefreshRow | null; writes: readonly QueuedWrite[] }
  | Failure;

/**
 * SPEC §5.2 applied inside a request's transaction: refuse stale credentials, retire what they
 * outdate, ask `decideIssue`, then retire what the decision supersedes and store the new tokens.
 * Shared by the password / client_credentials grants and the redemption of a code. `created`: the
 * object's tables were made in this transaction (schema.ts), so there is nothing yet to look up.
 */
export function issueInTransaction(storage: GrantStorage, tx: GrantTransaction, issuance: Issuance, created = false): IssueStep {
  const { request, fence, format } = issuance;
  const refused = refusal(storage.meta.fence(), fence);
  if (refused) return refused;
  storage.meta.bindKeyAndSubject(request.key, request.subject);
  // Credentials newer than the fence: whatever was issued under older ones dies now, even if the
  // registry's fan-out has not reached this object yet.
  tx.raiseFence(fence, created);
  const current = created ? { access: null, refresh: null } : storage.rows.current(holdsRefreshTokens(request.key));
  const decision = decideIssue(current, { ...request, scope: request.key.scope, format }, tx.now);
  if (decision.kind === "reuse") return { ok: true, ...decision };
  if (decision.supersede.access) tx.retireAccess(decision.supersede.access);
  if (decision.supersede.refresh) tx.retireRefresh(decision.supersede.refresh);
  const { grantType, sessionId } = request;
  const kept = decision.keepRefresh;
  const familyId = issuance.familyId ?? (kept ? (kept.familyId ?? kept.id) : (issuance.refresh?.id ?? issuance.access.id));
  const refreshId =
    kept?.id ??
    (issuance.refresh
      ? tx.addRefresh({ token: issuance.refresh, grantType, epochs: fence, lifetimeMs: request.refreshTokenLifetimeMs, sessionId, familyId })
      : null);
  tx.addAccess({
    token: issuance.access,
    scope: request.key.scope,
    format,
    refreshId,
    grantType,
    epochs: fence,
    lifetimeMs: request.accessTokenLifetimeMs,
    sessionId,
    familyId,
  });
  return { ok: true, kind: "issued", accessId: issuance.access.id, refreshId, keptRefresh: decision.keepRefresh, writes: tx.queueWrites() };
}

/** A refresh to apply: the presented (checked) refresh row and the candidate tokens. */
export interface Rotation extends Pick<RefreshRequest, "clientEpoch" | "accessTokenLifetimeMs" | "refreshTokenLifetimeMs"> {
  scope: string;
  refresh: RefreshRow;
  access: MintedToken;
  /** The new refresh token when it rotates; null keeps the presented one. */
  replacement: MintedToken | null;
  format: string;
  /** The lineage the new refresh token continues. */
  family: { startedAt: number; originGrant: string | null };
}

/**
 * SPEC §5.4 inside the refresh's transaction: the access tokens of the presented refresh token
 * die, a new one is stored, and with rotation the refresh token is replaced.
 */
export function rotateInTransaction(tx: GrantTransaction, storage: GrantStorage, rotation: Rotation): { kept: RefreshRow | null; writes: readonly QueuedWrite[] } {
  const { refresh, replacement, format } = rotation;
  for (const previous of storage.rows.accessOfRefresh(refresh.id)) tx.retireAccess(previous);
  // The new tokens inherit the user epoch of the grant (the user is not re-authenticated).
  const epochs = { clientEpoch: rotation.clientEpoch, userEpoch: refresh.userEpoch };
  let refreshId = refresh.id;
  const familyId = refresh.familyId ?? refresh.id;
  if (replacement) {
    tx.retireRefresh(refresh);
    refreshId = tx.addRefresh({ token: replacement, grantType: "refresh_token", epochs, lifetimeMs: rotation.refreshTokenLifetimeMs, sessionId: refresh.sessionId ?? null, familyId, family: rotation.family });
  }
  const grant = { scope: rotation.scope, format, refreshId, grantType: "refresh_token", epochs, sessionId: refresh.sessionId ?? null, familyId };
  tx.addAccess({ token: rotation.access, ...grant, lifetimeMs: rotation.accessTokenLifetimeMs });
  return { kept: replacement ? null : refresh, writes: tx.queueWrites() };
}
