import { continueAuthorization } from "../../oauth/authorization-flow";
import { parseAuthorizationRequest } from "../../oauth/authorization-request";
import { findSession } from "../../oauth/browser-session";
import { invalidRequest } from "../../protocol/errors";
import { readTextBody } from "../body";
import type { AppContext } from "../context";
import { readCookie, SESSION_COOKIE } from "../cookies";
import { respondToBadRequest, respondWithStep } from "../sign-in";

/**
 * GET / POST /oauth2/authorize (RFC 6749 §4.1.1, OIDC Core §3.1.2.1 allows POST): checks the
 * request, then logs the user in, asks for consent, or sends a code back, as the flow decides.
 */
export async function authorizationEndpoint(c: AppContext): Promise<Response> {
  const post = c.req.method === "POST";
  const encoded = post ? await readTextBody(c, ["application/x-www-form-urlencoded"], invalidRequest) : new URL(c.req.url).search.slice(1);
  const status = post ? 303 : 302;
  const parsed = await parseAuthorizationRequest(c.env, c.var.config, encoded);
  if (!parsed.ok) return respondToBadRequest(c, parsed, status);
  const context = { env: c.env, config: c.var.config, issuer: c.var.issuer };
  const session = await findSession(c.env, c.var.config, readCookie(c, SESSION_COOKIE));
  return respondWithStep(c, parsed.request, await continueAuthorization(context, parsed.request, session), status);
}
