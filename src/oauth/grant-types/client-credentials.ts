import type { GrantType } from "./grant-type";
import { issueForOwner, requestedScope } from "./per-key";

/**
 * RFC 6749 §4.4 Client Credentials grant: the client is the resource owner, so there is no user
 * and (as in WSO2 by default) no refresh token.
 */
export const clientCredentialsGrant: GrantType = {
  grantType: "client_credentials",
  required: [],
  exchange: (params, context) =>
    issueForOwner(context, "client_credentials", requestedScope(params, context), { username: "", subject: context.client.client_id, epoch: 0, issueRefreshToken: false }),
};
