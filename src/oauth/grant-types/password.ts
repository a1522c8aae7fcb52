import { invalidGrant, invalidRequest, MESSAGES } from "../../protocol/errors";
import { hasControlCharacters } from "../../text/characters";
import { authenticateUser } from "../user-authentication";
import type { GrantType } from "./grant-type";
import { issueForOwner, requestedScope } from "./per-key";

/** RFC 6749 §4.3 Resource Owner Password Credentials grant. */
export const passwordGrant: GrantType = {
  grantType: "password",
  required: ["username", "password"],
  async exchange(params, context) {
    const username = params.get("username")!;
    const password = params.get("password")!;
    if (hasControlCharacters(username) || hasControlCharacters(password)) {
      throw invalidRequest("username and password must not contain control characters");
    }
    const scope = requestedScope(params, context);
    const user = await authenticateUser(context.env, context.config, username, password);
    // The same answer for an unknown user and a wrong password: nothing to enumerate.
    if (!user) throw invalidGrant(MESSAGES.userAuthFailed);
    return issueForOwner(context, "password", scope, { username: user.username, subject: user.id, epoch: user.epoch, issueRefreshToken: true });
  },
};
