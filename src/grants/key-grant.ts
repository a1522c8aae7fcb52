import { issueTokens, type Owner } from "../grant/issue";
import type { IssueResult } from "../grant/grant-protocol";
import type { FormParams } from "../http/form";
import { checkClientScope, normaliseScope, scopeString } from "../oauth/scope";
import type { GrantContext } from "./grant-handler";

/** The shared tail of the grants that issue per key (password, client_credentials). */
export function issueForOwner(form: FormParams, context: GrantContext, grantType: string, owner: Owner): Promise<IssueResult> {
  const scopes = normaliseScope(form.get("scope"));
  checkClientScope(context.client.scope, scopes);
  return issueTokens(context.env, context.config, {
    client: context.client,
    grantType,
    scope: scopeString(scopes),
    owner,
    issuer: context.issuer,
  });
}
