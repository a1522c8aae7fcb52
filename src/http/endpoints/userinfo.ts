import { authenticateBearer } from "../../oauth/bearer-token";
import { DPOP_ALGORITHMS } from "../../oauth/dpop";
import { userClaims } from "../../oauth/user-claims";
import { bearerError, bearerRequired, OAuthError } from "../../protocol/errors";
import type { AppContext } from "../context";
import { dpopProofOf } from "../dpop-header";
import { readForm } from "../form";

/**
 * GET / POST /oauth2/userinfo (OIDC Core §5.3): the claims of the access token's scopes about its
 * user; `sub` always. A bearer token comes in the Authorization header (RFC 6750 §2.1) or, on
 * POST, as the `access_token` form parameter (§2.2), not both; a DPoP-bound token comes as
 * `Authorization: DPoP <token>` with a proof of its key over this request (RFC 9449 §7).
 */
export async function userInfoEndpoint(c: AppContext): Promise<Response> {
  const { scheme, token } = await presentedToken(c);
  const record = await authenticateBearer(c.env, token);
  if (record.cnf_jkt || scheme === "DPoP") {
    if (scheme !== "DPoP" || !record.cnf_jkt) throw dpopTokenError("The access token is DPoP-bound: present it with the DPoP scheme and a proof.");
    const proof = await dpopProofOf(c, { method: c.req.method, url: c.req.url, accessToken: token, nonceRequired: c.var.config.dpopNonceRequired });
    if (!proof || proof.jkt !== record.cnf_jkt) throw dpopTokenError("The DPoP proof is not of the key the access token is bound to.");
  }
  const scopes = record.scope.split(" ");
  if (!scopes.includes("openid")) throw bearerError("insufficient_scope", "The access token was not issued for openid.", "openid");
  const claims = record.username ? await userClaims(c.env, c.var.config, { subject: record.sub, userName: record.username }, scopes) : {};
  return c.json({ sub: record.sub, ...claims });
}

async function presentedToken(c: AppContext): Promise<{ scheme: "Bearer" | "DPoP"; token: string }> {
  const header = c.req.header("Authorization");
  const match = header === undefined ? null : /^(Bearer|DPoP) +([^ ]+) *$/i.exec(header);
  if (header !== undefined && !match) throw bearerError("invalid_request", "The Authorization header must be a Bearer or DPoP token.");
  const fromBody = c.req.method === "POST" && c.req.header("Content-Type") ? (await readForm(c)).get("access_token") : undefined;
  if (match && fromBody !== undefined) throw bearerError("invalid_request", "Send the access token in one place only.");
  if (match) return { scheme: match[1]!.toLowerCase() === "dpop" ? "DPoP" : "Bearer", token: match[2]! };
  if (!fromBody) throw bearerRequired();
  return { scheme: "Bearer", token: fromBody };
}

function dpopTokenError(description: string): OAuthError {
  return new OAuthError("invalid_token", description, 401, {
    "WWW-Authenticate": `DPoP error="invalid_token", error_description="${description}", algs="${DPOP_ALGORITHMS.join(" ")}"`,
  });
}
