import { authenticateBearer } from "../../oauth/bearer-token";
import { userClaims } from "../../oauth/user-claims";
import { bearerError, bearerRequired } from "../../protocol/errors";
import type { AppContext } from "../context";
import { readForm } from "../form";

/**
 * GET / POST /oauth2/userinfo (OIDC Core §5.3): the claims of the access token's scopes about its
 * user; `sub` always. The token comes in the Authorization header (RFC 6750 §2.1) or, on POST, as
 * the `access_token` form parameter (§2.2) — not both.
 */
export async function userInfoEndpoint(c: AppContext): Promise<Response> {
  const header = c.req.header("Authorization");
  const fromHeader = header === undefined ? null : /^Bearer +([^ ]+) *$/i.exec(header)?.[1];
  if (fromHeader === undefined) throw bearerError("invalid_request", "The Authorization header must be a Bearer token.");
  const fromBody = c.req.method === "POST" && c.req.header("Content-Type") ? (await readForm(c)).get("access_token") : undefined;
  if (fromHeader !== null && fromBody !== undefined) throw bearerError("invalid_request", "Send the access token in one place only.");
  const token = fromHeader ?? fromBody;
  if (!token) throw bearerRequired();
  const record = await authenticateBearer(c.env, token);
  const scopes = record.scope.split(" ");
  if (!scopes.includes("openid")) throw bearerError("insufficient_scope", "The access token was not issued for openid.", "openid");
  const claims = record.username ? await userClaims(c.env, c.var.config, { subject: record.sub, userName: record.username }, scopes) : {};
  return c.json({ sub: record.sub, ...claims });
}
