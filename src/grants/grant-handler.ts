import type { Config } from "../config";
import type { Env } from "../env";
import type { IssueResult } from "../grant/grant-protocol";
import type { FormParams } from "../http/form";
import type { ClientRecord } from "../registry/client";

/** What a grant handler knows about the request beyond its parameters. */
export interface GrantContext {
  env: Env;
  config: Config;
  /** The authenticated client, already checked to be registered for this grant type. */
  client: ClientRecord;
  issuer: string;
}

/** One grant type: verifies the grant in the request and exchanges it for tokens. */
export interface GrantHandler {
  readonly grantType: string;
  exchange(form: FormParams, context: GrantContext): Promise<IssueResult>;
}
