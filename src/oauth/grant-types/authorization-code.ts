import { CODE_INVALID } from "../../grant-object/code-rules";
import { invalidGrant, invalidRequest } from "../../protocol/errors";
import { isVisibleAscii } from "../../text/characters";
import { sha256 } from "../../tokens/hash";
import { redeemCode } from "../grant-object-client";
import { mintIdToken } from "../id-token";
import type { GrantType } from "./grant-type";

/** RFC 7636 §4.1: code-verifier = 43*128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * RFC 6749 §4.1.3 Authorization Code grant with PKCE (RFC 7636 §4.5, required for every client).
 * The code's grant object checks the client, the redirect URI and the verifier, and redeems the
 * code once; the Worker only checks syntax and hashes the verifier.
 */
export const authorizationCodeGrant: GrantType = {
  grantType: "authorization_code",
  required: ["code", "code_verifier"],
  async exchange(params, context) {
    const code = params.get("code")!;
    const verifier = params.get("code_verifier")!;
    if (!CODE_VERIFIER.test(verifier)) throw invalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)");
    if (!isVisibleAscii(code)) throw invalidGrant(CODE_INVALID);
    const redirectUri = params.get("redirect_uri") ?? null;
    const issued = await redeemCode(context, { code, redirectUri, verifierHash: await sha256(verifier) });
    const scopes = issued.scope.split(" ");
    if (!scopes.includes("openid") || !issued.login) return issued;
    // OIDC Core §3.1.3.3: the ID Token lives as long as the access token it comes with.
    const idToken = await mintIdToken(context.env, context.config, {
      issuer: context.issuer,
      clientId: context.client.client_id,
      scopes,
      accessToken: issued.accessToken,
      lifetimeSeconds: issued.expiresIn,
      login: issued.login,
    });
    return { ...issued, idToken };
  },
};
