import { deleteCookie } from "hono/cookie";
import { endSession, findSession } from "../../oauth/browser-session";
import { parseLogoutRequest, type LogoutRequest } from "../../oauth/logout-request";
import { parseParameters } from "../../oauth/parameters";
import { invalidRequest, valueOf } from "../../protocol/errors";
import { readTextBody } from "../body";
import type { AppContext } from "../context";
import { readCookie, SESSION_COOKIE } from "../cookies";
import { checkCsrf, csrfToken } from "../csrf";
import { LogoutDonePage, LogoutPage } from "../pages/logout-page";
import { formTargetOf, renderPage } from "../pages/render";

/**
 * GET / POST /oidc/logout (OIDC RP-Initiated Logout 1.0, WSO2's path). A valid id_token_hint for
 * this browser's session ends it at once; otherwise the user confirms first. Ending the session
 * revokes every token issued through it (WSO2's "revoke tokens upon user logout").
 */
export async function logoutEndpoint(c: AppContext): Promise<Response> {
  const post = c.req.method === "POST";
  const encoded = post ? await readTextBody(c, ["application/x-www-form-urlencoded"], invalidRequest) : new URL(c.req.url).search.slice(1);
  const params = parseParameters(encoded);
  const answer = params.get("logout");
  if (answer !== undefined) {
    if (!post) throw invalidRequest("the logout confirmation must be posted");
    checkCsrf(c, params);
    if (answer !== "confirm" && answer !== "cancel") throw invalidRequest('logout must be "confirm" or "cancel"');
  }
  const request = valueOf(await parseLogoutRequest(c.env, c.var.config.tokenSecret, c.var.issuer, params));
  const cookie = readCookie(c, SESSION_COOKIE);
  const session = await findSession(c.env, c.var.config, cookie);
  if (answer === "cancel") return renderPage(c, <LogoutDonePage signedOut={false} />, 200);
  const confirmed = answer === "confirm" || (session !== null && request.hintSessionId === session.sessionId);
  if (session && !confirmed) {
    const page = <LogoutPage clientName={request.client?.client_name ?? null} userName={session.userName} params={request.params} csrf={csrfToken(c)} />;
    return renderPage(c, page, 200, request.redirectUri ? [formTargetOf(request.redirectUri)] : []);
  }
  if (session) await endSession(c.env, cookie);
  if (cookie !== undefined) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
  return finish(c, request, post ? 303 : 302);
}

function finish(c: AppContext, request: LogoutRequest, status: 302 | 303): Promise<Response> | Response {
  if (!request.redirectUri) return renderPage(c, <LogoutDonePage signedOut={true} />, 200);
  const url = new URL(request.redirectUri);
  if (request.state) url.searchParams.append("state", request.state);
  return c.redirect(url.href, status);
}
