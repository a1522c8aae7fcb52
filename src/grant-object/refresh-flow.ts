import { failure, MESSAGES, success } from "../protocol/errors";
import type { Fence } from "../protocol/fence";
import { now } from "../runtime/clock";
import type { Publisher } from "../store/publisher";
import { generatorFor } from "../tokens/generator";
import type { IssuedTokens, RefreshRequest, TokenOutcome } from "./grant-rpc";
import { rotateInTransaction } from "./issuance";
import type { GrantKey } from "./key";
import type { TokenMinter } from "./minter";
import { checkRefresh } from "./refresh-rules";
import { legacySubjectOf } from "./token-records";
import { Tombstones, type Tombstone } from "./tombstones";
import type { GrantStorage, GrantTransaction } from "./transaction";

/** What the refresh flow needs of its grant object. */
export interface RefreshHost {
  storage: GrantStorage;
  publisher: Publisher;
  minter: TokenMinter;
  tombstones: Tombstones;
  /** One transaction that may write (GrantSchema.write). */
  write<T>(body: () => T): T;
  transaction(issue: { key: GrantKey; subject: string; issuer: string }, at: number): GrantTransaction;
  raiseFence(fence: Fence): Promise<void>;
}

/**
 * The refresh grant in its grant object (SPEC §5.4, §12). A live refresh token is exchanged;
 * with rotation it is replaced and leaves a tombstone. A tombstoned token presented again is
 * either a retry within REFRESH_TOKEN_REUSE_INTERVAL (the same new pair again) or reuse: the
 * whole lineage it belonged to is revoked in that transaction. Every decision is one transaction.
 */
export async function refreshGrant(host: RefreshHost, request: RefreshRequest): Promise<TokenOutcome> {
  const { storage } = host;
  const key = storage.meta.key();
  if (!key) return failure("invalid_grant", MESSAGES.refreshTokenInvalid);
  // Authenticated under a newer secret than this object knows: what the old one got dies now,
  // whether or not this refresh then succeeds (the registry's fan-out may not have arrived).
  if (key.clientId === request.clientId) await host.raiseFence({ clientEpoch: request.clientEpoch, userEpoch: 0 });
  const issuedAt = now();
  const presented = storage.rows.refreshByHash(request.refreshTokenHash);
  if (!presented) return presentedAgain(host, key, request);
  const precheck = checkRefresh(key, presented, request, storage.meta.fence(), issuedAt);
  if (!precheck.ok) return precheck;
  const { scope, deadline } = precheck.value;
  const capped = (lifetimeMs: number) => (deadline === null ? lifetimeMs : Math.min(lifetimeMs, deadline - issuedAt));
  const lifetimes = { accessTokenLifetimeMs: capped(request.accessTokenLifetimeMs), refreshTokenLifetimeMs: capped(request.refreshTokenLifetimeMs) };
  const subject = subjectOf(host, key);
  const generator = generatorFor(request.accessTokenFormat);
  const spec = { key, subject, scope, issuer: request.issuer, issuedAt, expiresAt: issuedAt + lifetimes.accessTokenLifetimeMs };
  const access = await host.minter.access(generator, spec);
  const replacement = request.renewRefreshToken ? await host.minter.opaque("refresh") : null;

  const outcome = host.write(() => {
    // Checked again: another request may have used the token while this one was minting.
    const refresh = storage.rows.refreshByHash(request.refreshTokenHash);
    if (!refresh) return { again: true as const };
    const check = checkRefresh(key, refresh, request, storage.meta.fence(), issuedAt);
    if (!check.ok) return check;
    const tx = host.transaction({ key, subject, issuer: request.issuer }, issuedAt);
    const family = { startedAt: refresh.familyStartedAt ?? refresh.issuedAt, originGrant: refresh.originGrant ?? null };
    const rotated = rotateInTransaction(tx, storage, { ...request, ...lifetimes, scope, refresh, access, replacement, format: generator.format, family });
    if (replacement) {
      const familyId = refresh.familyId ?? refresh.id;
      host.tombstones.bury({ hash: refresh.hash, familyId, rotatedAt: issuedAt, expiresAt: refresh.expiresAt, successorId: replacement.id, accessId: access.id });
    }
    return success(rotated);
  });
  if ("again" in outcome) return presentedAgain(host, key, request);
  if (!outcome.ok) return outcome;

  await host.publisher.inCommitOrder(outcome.value.writes);
  const kept = outcome.value.kept;
  return success({
    accessToken: access.token,
    refreshToken: kept ? await host.minter.derive("refresh", kept.id) : replacement!.token,
    expiresIn: Math.floor(lifetimes.accessTokenLifetimeMs / 1000),
    scope,
  });
}

/**
 * A refresh token that is no longer live was presented. A tombstone means it was rotated: a
 * retry within the interval gets the pair its rotation gave; anything else is reuse, and the
 * lineage dies (its newest pair included). No tombstone: expired, revoked or never ours.
 */
async function presentedAgain(host: RefreshHost, key: GrantKey, request: RefreshRequest): Promise<TokenOutcome> {
  const at = now();
  const tombstone = host.tombstones.byHash(request.refreshTokenHash, at);
  if (!tombstone) return failure("invalid_grant", MESSAGES.refreshTokenInvalid);
  if (key.clientId !== request.clientId) return failure("invalid_grant", MESSAGES.refreshTokenOfOtherClient);
  if (request.reuseIntervalMs > 0 && at - tombstone.rotatedAt <= request.reuseIntervalMs) {
    const retried = await retryAnswer(host, key, request, tombstone, at);
    if (retried) return success(retried);
  }
  const writes = host.write(() => {
    const tx = host.transaction({ key, subject: "", issuer: "" }, at);
    tx.retirePair(host.storage.rows.ofFamily(tombstone.familyId));
    return tx.queueWrites();
  });
  await host.publisher.publish(writes);
  return failure("invalid_grant", MESSAGES.refreshTokenReused);
}

/**
 * SPEC §12 lost response: the same pair the rotation answered, while its refresh token is still
 * live. An opaque access token is re-derived; a JWT cannot be, so the successor gets a new access
 * token in place of the previous one (still one live pair). Null when the successor is gone.
 */
async function retryAnswer(host: RefreshHost, key: GrantKey, request: RefreshRequest, tombstone: Tombstone, at: number): Promise<IssuedTokens | null> {
  const { rows } = host.storage;
  const successor = rows.refreshById(tombstone.successorId);
  if (!successor || successor.expiresAt <= at) return null;
  const access = rows.accessById(tombstone.accessId);
  const generator = generatorFor(request.accessTokenFormat);
  const refreshToken = await host.minter.derive("refresh", successor.id);
  const subject = subjectOf(host, key);
  if (access && access.expiresAt > at && access.format === generator.format && !generator.alwaysRenews) {
    await host.publisher.inCommitOrder(host.storage.outbox.pending());
    const spec = { key, subject, scope: access.scope, issuer: request.issuer, issuedAt: access.issuedAt, expiresAt: access.expiresAt };
    const accessToken = (await host.minter.access(generator, spec, access.id)).token;
    return { accessToken, refreshToken, expiresIn: Math.floor((access.expiresAt - at) / 1000), scope: access.scope };
  }
  const scope = access?.scope ?? key.scope;
  const lifetime = Math.min(request.accessTokenLifetimeMs, successor.expiresAt - at);
  const spec = { key, subject, scope, issuer: request.issuer, issuedAt: at, expiresAt: at + lifetime };
  const minted = await host.minter.access(generator, spec);
  const writes = host.write(() => {
    if (!rows.refreshById(successor.id)) return null;
    const tx = host.transaction({ key, subject, issuer: request.issuer }, at);
    rows.accessOfRefresh(successor.id).forEach((row) => tx.retireAccess(row));
    const grant = { scope, format: generator.format, refreshId: successor.id, grantType: "refresh_token", epochs: { clientEpoch: successor.clientEpoch, userEpoch: successor.userEpoch } };
    tx.addAccess({ token: minted, ...grant, lifetimeMs: lifetime, sessionId: successor.sessionId ?? null, familyId: successor.familyId ?? successor.id });
    host.tombstones.replaceAccess(tombstone.hash, minted.id);
    return tx.queueWrites();
  });
  if (!writes) return null;
  await host.publisher.inCommitOrder(writes);
  return { accessToken: minted.token, refreshToken, expiresIn: Math.floor(lifetime / 1000), scope };
}

/** The `sub` of this grant's tokens (objects from before subjects were stored fall back to the key). */
function subjectOf(host: RefreshHost, key: GrantKey): string {
  return host.storage.meta.subject() ?? legacySubjectOf(key);
}
