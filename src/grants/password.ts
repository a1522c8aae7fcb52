import { hasControlCharacters, required } from "../http/form";
import { invalidGrant, invalidRequest } from "../oauth/errors";
import { authenticateUser } from "../registry/users";
import type { GrantHandler } from "./grant-handler";
import { issueForOwner, requestedScope } from "./key-grant";

/** RFC 6749 §4.3 Resource Owner Password Credentials grant. */
export const passwordGrant: GrantHandler = {
  grantType: "password",
  async exchange(form, context) {
    const username = required(form, "username");
    const password = required(form, "password");
    if (hasControlCharacters(username) || hasControlCharacters(password)) {
      throw invalidRequest("username and password must not contain control characters");
    }
    const scope = requestedScope(form, context);
    const user = await authenticateUser(context.env, context.config, username, password);
    // The same answer for an unknown user and a wrong password: nothing to enumerate.
    if (!user) throw invalidGrant("Authentication failed: wrong username or password.");
    return issueForOwner(context, "password", scope, { username: user.username, epoch: user.epoch, issueRefreshToken: true });
  },
};
