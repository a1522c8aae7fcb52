import type { GrantHandler } from "./grant-handler";

/**
 * RFC 6749 §4.4 Client Credentials grant: the client is the resource owner, so there is no user
 * and (as in WSO2 by default) no refresh token.
 */
export const clientCredentialsGrant: GrantHandler = {
  grantType: "client_credentials",
  async validate(_form, { client }) {
    return { username: "", subject: client.client_id, issueRefreshToken: false };
  },
};
