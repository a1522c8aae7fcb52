import type { Config } from "../config";
import type { Env } from "../env";
import type { ValidatedGrant } from "../grants/grant-handler";
import { temporarilyUnavailable } from "../oauth/errors";
import { generatorFor } from "../tokens/generator";
import type { IssueRequest, IssueResult } from "./grant-object";
import { grantObjectName, type GrantKey } from "./key";

/**
 * The Worker side of issuing: turns a validated request and the configuration into the policy
 * the key's grant object applies, and sends it there. Everything that could fail for a bad
 * request has already failed by now, so nothing is revoked for it (SPEC §5.2).
 */
export async function issueTokens(
  env: Env,
  config: Config,
  request: { clientId: string; grantType: string; scope: string; grant: ValidatedGrant; issuer: string },
): Promise<IssueResult> {
  const generator = generatorFor(config.accessTokenFormat);
  const key: GrantKey = { clientId: request.clientId, username: request.grant.username, scope: request.scope };
  const issue: IssueRequest = {
    key,
    grantType: request.grantType,
    subject: request.grant.subject,
    issuer: request.issuer,
    accessTokenFormat: generator.format,
    renewAccessToken: config.renewTokenPerRequest || generator.alwaysRenews,
    renewRefreshToken: config.renewTokenPerRequest,
    issueRefreshToken: request.grant.issueRefreshToken,
    accessTokenLifetimeMs: config.accessTokenLifetime * 1000,
    refreshTokenLifetimeMs: config.refreshTokenLifetime * 1000,
  };
  try {
    return await env.GRANTS.getByName(grantObjectName(key)).issue(issue);
  } catch (error) {
    throw retryable(error) ? temporarilyUnavailable("the token service is busy; retry shortly") : error;
  }
}

/** Durable Object errors the runtime marks as safe to retry (overload, reset). */
function retryable(error: unknown): boolean {
  return typeof error === "object" && error !== null && ("overloaded" in error || "retryable" in error);
}
