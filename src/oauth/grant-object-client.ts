import type { Config } from "../config/config";
import type { Env } from "../env";
import type { IssuedTokens, IssueSettings } from "../grant-object/grant-rpc";
import { grantObjectName, type GrantKey } from "../grant-object/key";
import { grantObjectOfToken } from "../grant-object/locate";
import { invalidGrant, isRetryable, MESSAGES, temporarilyUnavailable, valueOf, type Outcome } from "../protocol/errors";
import { isPublic, type ClientRecord } from "../registry/client-record";
import { CODE_INVALID } from "../grant-object/code-rules";
import { generatorFor } from "../tokens/generator";
import { sha256 } from "../tokens/hash";
import { grantTokenKey } from "./token-key";

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
  /** The tokens' `sub`: the user's id, or the client_id for client_credentials. */
  subject: string;
  issueRefreshToken: boolean;
}

/** What every call needs: the bindings, the configuration, the authenticated client, the issuer. */
export interface CallContext {
  env: Env;
  config: Config;
  client: ClientRecord;
  issuer: string;
  /** The thumbprint of the request's valid DPoP proof key (SPEC §13), or null for bearer. */
  jkt: string | null;
}

/** The server's settings, overridden by the client's own where it registered some. */
async function settingsOf({ config, client, issuer }: CallContext, objectId: string): Promise<IssueSettings> {
  return {
    tokenKey: await grantTokenKey(config, objectId),
    issuer,
    accessTokenFormat: generatorFor(client.access_token_format ?? config.accessTokenFormat).format,
    accessTokenLifetimeMs: (client.access_token_lifetime ?? config.accessTokenLifetime) * 1000,
    refreshTokenLifetimeMs: (client.refresh_token_lifetime ?? config.refreshTokenLifetime) * 1000,
  };
}

/** SPEC §5.2/§5.5: renewal per request, or a generator that always renews (JWT). */
function renewalOf(config: Config, settings: IssueSettings): { renewAccessToken: boolean; renewRefreshToken: boolean } {
  return { renewAccessToken: config.renewTokenPerRequest || generatorFor(settings.accessTokenFormat).alwaysRenews, renewRefreshToken: config.renewTokenPerRequest };
}

/** password / client_credentials: issue (or hand back) the tokens of the request's key. */
export async function issueForKey(context: CallContext, request: { grantType: string; scope: string; owner: Owner }): Promise<IssuedTokens> {
  const { env, config, client } = context;
  const key: GrantKey = { clientId: client.client_id, username: request.owner.username, scope: request.scope, ...(context.jkt ? { jkt: context.jkt } : {}) };
  const id = env.GRANTS.idFromName(grantObjectName(key));
  const settings = await settingsOf(context, id.toString());
  const outcome = await call(() =>
    env.GRANTS.get(id).issueTokens({
      ...settings,
      key,
      keyLimits: context.config.keyLimits,
      subject: request.owner.subject,
      sessionId: null,
      fence: { clientEpoch: client.epoch, userEpoch: request.owner.epoch },
      grantType: request.grantType,
      ...renewalOf(config, settings),
      issueRefreshToken: request.owner.issueRefreshToken,
    }),
  );
  return valueOf(outcome);
}

/** authorization_code: the code names its grant object, which redeems it once and issues for its key. */
export async function redeemCode(
  context: CallContext,
  request: { code: string; redirectUri: string | null; verifierHash: string },
): Promise<IssuedTokens> {
  const { env, config, client } = context;
  const owner = grantObjectOfToken(env, request.code);
  if (!owner) throw invalidGrant(CODE_INVALID);
  const settings = await settingsOf(context, owner.id.toString());
  const outcome = await call(async () =>
    owner.redeemCode({
      ...settings,
      codeHash: await sha256(request.code),
      clientId: client.client_id,
      clientEpoch: client.epoch,
      redirectUri: request.redirectUri,
      verifierHash: request.verifierHash,
      grantType: "authorization_code",
      keyLimits: config.keyLimits,
      jkt: context.jkt,
      ...renewalOf(config, settings),
      // SPEC §10: only clients registered for refresh_token get one they could use.
      issueRefreshToken: client.grant_types.includes("refresh_token"),
    }),
  );
  return valueOf(outcome);
}

/** refresh_token: the token leads to its own grant object; KV is never consulted. */
export async function refreshGrant(context: CallContext, request: { refreshToken: string; scope: string[] | null }): Promise<IssuedTokens> {
  const owner = grantObjectOfToken(context.env, request.refreshToken);
  if (!owner) throw invalidGrant(MESSAGES.refreshTokenInvalid);
  const refreshTokenHash = await sha256(request.refreshToken);
  const settings = await settingsOf(context, owner.id.toString());
  const outcome = await call(() =>
    owner.refreshTokens({
      ...settings,
      refreshTokenHash,
      clientId: context.client.client_id,
      clientEpoch: context.client.epoch,
      scope: request.scope,
      // RFC 9700 §4.14.2: a public client's refresh tokens rotate on every use, whatever the setting.
      renewRefreshToken: context.config.renewRefreshTokenForRefreshGrant || isPublic(context.client),
      reuseIntervalMs: context.config.refreshTokenReuseInterval * 1000,
      maxLifetimeMs: context.config.refreshTokenMaxLifetime === null ? null : context.config.refreshTokenMaxLifetime * 1000,
      allowedScope: context.client.scope ?? null,
      grantTypes: context.client.grant_types,
      jkt: context.jkt,
    }),
  );
  return valueOf(outcome);
}

/**
 * RFC 7009: revoke the pair of a token of this client; unknown tokens are no error. The client's
 * epoch goes along, so the grant object refuses an old secret (the fence) as it does at issue.
 */
export async function revokeGrantToken(env: Env, request: { client: ClientRecord; token: string; hint: string | undefined }): Promise<void> {
  const owner = grantObjectOfToken(env, request.token);
  if (!owner) return;
  const tokenHash = await sha256(request.token);
  const { client_id: clientId, epoch: clientEpoch } = request.client;
  valueOf(await call(() => owner.revokeToken({ tokenHash, clientId, clientEpoch, ...(request.hint ? { hint: request.hint } : {}) })));
}

/**
 * A grant object call. Everything a client can cause comes back as a Failure value, so a thrown
 * error is the platform's (overload, a reset — which in local workerd carries no `retryable` flag
 * — a lost connection) or a bug: it answers 503 with Retry-After, never a 500 (SPEC §14). A retry
 * is safe: the object's transaction either committed (then renewal revokes what it gave) or not.
 */
async function call<T>(rpc: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await rpc();
  } catch (error) {
    if (!isRetryable(error)) console.error("grant object call failed:", error instanceof Error ? `${error.name}: ${error.message}` : "non-Error thrown");
    throw temporarilyUnavailable();
  }
}
