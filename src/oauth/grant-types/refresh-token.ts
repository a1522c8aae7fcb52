import { invalidGrant, MESSAGES } from "../../protocol/errors";
import { isVisibleAscii } from "../../text/characters";
import { refreshGrant } from "../grant-object-client";
import { normaliseScope } from "../scope";
import type { GrantType } from "./grant-type";

/**
 * RFC 6749 §6 Refresh Token grant. The decision (is the token live, is it this client's, is the
 * scope a subset) is taken by the grant object that owns the token, never from a KV read.
 */
export const refreshTokenGrant: GrantType = {
  grantType: "refresh_token",
  required: ["refresh_token"],
  async exchange(params, context) {
    const refreshToken = params.get("refresh_token")!;
    if (!isVisibleAscii(refreshToken)) throw invalidGrant(MESSAGES.refreshTokenInvalid);
    const rawScope = params.get("scope");
    const scope = rawScope === undefined || rawScope.trim() === "" ? null : normaliseScope(rawScope, context.config.scopeLimits);
    return refreshGrant(context, { refreshToken, scope });
  },
};
