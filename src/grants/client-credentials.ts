import type { GrantHandler } from "./grant-handler";
import { issueForOwner, requestedScope } from "./key-grant";

/**
 * RFC 6749 §4.4 Client Credentials grant: the client is the resource owner, so there is no user
 * and (as in WSO2 by default) no refresh token.
 */
export const clientCredentialsGrant: GrantHandler = {
  grantType: "client_credentials",
  exchange: (form, context) =>
    issueForOwner(context, "client_credentials", requestedScope(form, context), { username: "", epoch: 0, issueRefreshToken: false }),
};
