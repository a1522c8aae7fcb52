import type { Config } from "../config";
import type { Env } from "../env";
import { invalidClient, invalidGrant, invalidScope, OAuthError, temporarilyUnavailable } from "../oauth/errors";
import type { ClientRecord } from "../registry/client";
import { generatorFor } from "../tokens/generator";
import { sha256 } from "../tokens/hash";
import type { GrantFailure, IssueResult, IssueSettings, RevokeOutcome, TokenOutcome } from "./grant-protocol";
import { grantObjectName, type GrantKey } from "./key";
import { grantObjectOfToken } from "./route";

/**
 * The Worker side of the grant objects: turns validated requests and the configuration into the
 * calls the owning object executes. Everything that could fail for a bad request has failed
 * before a call is made, so a failed request changes nothing (SPEC §5.2).
 */
export interface Owner {
  /** The resource owner's username; empty for client_credentials (SPEC §5.1). */
  username: string;
  /** The user's epoch when authenticated; 0 when there is no user. */
  epoch: number;
  issueRefreshToken: boolean;
}

/** The server's settings, overridden by the client's own where it registered some. */
function settings(config: Config, client: ClientRecord, issuer: string): IssueSettings {
  return {
    issuer,
    accessTokenFormat: generatorFor(client.access_token_format ?? config.accessTokenFormat).format,
    accessTokenLifetimeMs: (client.access_token_lifetime ?? config.accessTokenLifetime) * 1000,
    refreshTokenLifetimeMs: (client.refresh_token_lifetime ?? config.refreshTokenLifetime) * 1000,
  };
}

/** password / client_credentials: issue (or hand back) the tokens of the request's key. */
export async function issueTokens(
  env: Env,
  config: Config,
  request: { client: ClientRecord; grantType: string; scope: string; owner: Owner; issuer: string },
): Promise<IssueResult> {
  const tokenSettings = settings(config, request.client, request.issuer);
  const generator = generatorFor(tokenSettings.accessTokenFormat);
  const key: GrantKey = { clientId: request.client.client_id, username: request.owner.username, scope: request.scope };
  const outcome = await callGrantObject(async (): Promise<TokenOutcome> =>
    env.GRANTS.getByName(grantObjectName(key)).issue({
      ...tokenSettings,
      key,
      fence: { clientEpoch: request.client.epoch, userEpoch: request.owner.epoch },
      grantType: request.grantType,
      renewAccessToken: config.renewTokenPerRequest || generator.alwaysRenews,
      renewRefreshToken: config.renewTokenPerRequest,
      issueRefreshToken: request.owner.issueRefreshToken,
    }),
  );
  if (!outcome.ok) throw grantFailure(outcome);
  return outcome.tokens;
}

/** refresh_token: the token leads to its own grant object; KV is never consulted. */
export async function refreshTokens(
  env: Env,
  config: Config,
  request: { client: ClientRecord; refreshToken: string; scope: string[] | null; issuer: string },
): Promise<IssueResult> {
  const owner = grantObjectOfToken(env, request.refreshToken);
  if (!owner) throw invalidGrant("The refresh token is invalid, expired or revoked.");
  const outcome = await callGrantObject(async () =>
    owner.refresh({
      ...settings(config, request.client, request.issuer),
      refreshTokenHash: await sha256(request.refreshToken),
      clientId: request.client.client_id,
      clientEpoch: request.client.epoch,
      scope: request.scope,
      renewRefreshToken: config.renewRefreshTokenForRefreshGrant,
    }),
  );
  if (!outcome.ok) throw grantFailure(outcome);
  return outcome.tokens;
}

/** RFC 7009: revoke the pair of a token of this client; unknown tokens are no error. */
export async function revokeToken(
  env: Env,
  request: { clientId: string; token: string; hint: string | undefined },
): Promise<RevokeOutcome> {
  const owner = grantObjectOfToken(env, request.token);
  if (!owner) return "unknown";
  const tokenHash = await sha256(request.token);
  return callGrantObject(() =>
    owner.revoke({ tokenHash, clientId: request.clientId, ...(request.hint ? { hint: request.hint } : {}) }),
  );
}

function grantFailure(failure: GrantFailure): OAuthError {
  if (failure.error === "invalid_scope") return invalidScope(failure.description);
  if (failure.error === "invalid_client") return invalidClient(failure.description);
  return invalidGrant(failure.description);
}

async function callGrantObject<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw retryable(error) ? temporarilyUnavailable("the token service is busy; retry shortly") : error;
  }
}

/** Durable Object errors the runtime marks as safe to retry (overload, reset). */
function retryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && ("overloaded" in error || "retryable" in error);
}
