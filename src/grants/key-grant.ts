import { issueTokens, type Owner } from "../grant/issue";
import type { IssueResult } from "../grant/grant-protocol";
import type { FormParams } from "../http/form";
import { checkClientScope, normaliseScope, scopeString } from "../oauth/scope";
import type { GrantContext } from "./grant-handler";

/**
 * The request's scope, normalised and checked against the client's scope list (SPEC §5.1).
 * Checked before the owner is authenticated, so a request that fails on its scope writes nothing
 * (not even the lockout count).
 */
export function requestedScope(form: FormParams, context: GrantContext): string {
  const scopes = normaliseScope(form.get("scope"));
  checkClientScope(context.client.scope, scopes);
  return scopeString(scopes);
}

/** The shared tail of the grants that issue per key (password, client_credentials). */
export function issueForOwner(context: GrantContext, grantType: string, scope: string, owner: Owner): Promise<IssueResult> {
  return issueTokens(context.env, context.config, { client: context.client, grantType, scope, owner, issuer: context.issuer });
}
