import type { IssuedTokens } from "../../grant-object/grant-rpc";
import { issueForKey, type Owner } from "../grant-object-client";
import type { Parameters } from "../parameters";
import { checkClientScope, normaliseScope, scopeString } from "../scope";
import type { GrantContext } from "./grant-type";

/**
 * The request's scope, normalised and checked against the client's scope list (SPEC §5.1).
 * Checked before the owner is authenticated, so a request that fails on its scope writes nothing
 * (not even the lockout count).
 */
export function requestedScope(params: Parameters, context: GrantContext): string {
  const scopes = normaliseScope(params.get("scope"), context.config.scopeLimits);
  checkClientScope(context.client.scope, scopes);
  return scopeString(scopes);
}

/** The shared tail of the grants that issue per key (password, client_credentials). */
export function issueForOwner(context: GrantContext, grantType: string, scope: string, owner: Owner): Promise<IssuedTokens> {
  return issueForKey(context, { grantType, scope, owner });
}
