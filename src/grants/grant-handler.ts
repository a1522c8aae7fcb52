import type { Config } from "../config";
import type { Env } from "../env";
import type { FormParams } from "../http/form";
import type { ClientRecord } from "../registry/client";

/** A token request whose grant has been verified: who the tokens are for. */
export interface ValidatedGrant {
  /** The resource owner's username; empty for client_credentials (SPEC §5.1). */
  username: string;
  /** The token's `sub`: the username, or the client_id when there is no user. */
  subject: string;
  issueRefreshToken: boolean;
}

export interface GrantContext {
  env: Env;
  config: Config;
  client: ClientRecord;
}

/** One grant type: turns the request's parameters into a ValidatedGrant or an OAuthError. */
export interface GrantHandler {
  readonly grantType: string;
  validate(form: FormParams, context: GrantContext): Promise<ValidatedGrant>;
}
