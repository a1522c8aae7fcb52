import { refreshTokens } from "../grant/issue";
import { isVisibleAscii, required } from "../http/form";
import { invalidGrant } from "../oauth/errors";
import { normaliseScope } from "../oauth/scope";
import type { GrantHandler } from "./grant-handler";

/**
 * RFC 6749 §6 Refresh Token grant. The decision (is the token live, is it this client's, is the
 * scope a subset) is taken by the grant object that owns the token, never from a KV read.
 */
export const refreshTokenGrant: GrantHandler = {
  grantType: "refresh_token",
  async exchange(form, context) {
    const refreshToken = required(form, "refresh_token");
    if (!isVisibleAscii(refreshToken)) throw invalidGrant("The refresh token is invalid, expired or revoked.");
    const rawScope = form.get("scope");
    const scope = rawScope === undefined || rawScope.trim() === "" ? null : normaliseScope(rawScope);
    return refreshTokens(context.env, context.config, {
      client: context.client,
      refreshToken,
      scope,
      issuer: context.issuer,
    });
  },
};
