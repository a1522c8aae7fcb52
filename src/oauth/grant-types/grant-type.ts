import type { IssuedTokens } from "../../grant-object/grant-rpc";
import type { CallContext } from "../grant-object-client";
import type { Parameters } from "../parameters";

/** What a grant type knows about the request beyond its parameters: the authenticated client and the rest. */
export type GrantContext = CallContext;

/**
 * One grant type of the token endpoint (RFC 6749 §4): the parameters it reads, checked before it
 * runs, and the exchange of the grant for tokens.
 */
export interface GrantType {
  readonly grantType: string;
  /** Parameters that must be present and non-empty. */
  readonly required: readonly string[];
  exchange(params: Parameters, context: GrantContext): Promise<IssuedTokens>;
}
