import { approveConsent, denyConsent } from "../../oauth/authorization-flow";
import { findSession } from "../../oauth/browser-session";
import { invalidRequest } from "../../protocol/errors";
import type { AppContext } from "../context";
import { readCookie, SESSION_COOKIE } from "../cookies";
import { readSignInPost, renderLogin, respondWithStep } from "../sign-in";

/**
 * POST /oauth2/consent: the consent page's form, `consent=approve` or `consent=deny` (WSO2's
 * names). Approval is remembered per (user, client) for these scopes; denial is access_denied.
 */
export async function consentEndpoint(c: AppContext): Promise<Response> {
  const posted = await readSignInPost(c);
  if (posted instanceof Response) return posted;
  const { form, request } = posted;
  const decision = form.get("consent");
  if (decision !== "approve" && decision !== "deny") throw invalidRequest('consent must be "approve" or "deny"');
  const session = await findSession(c.env, c.var.config, readCookie(c, SESSION_COOKIE));
  if (!session) return renderLogin(c, request, { error: "Your session has ended. Sign in again to continue." });
  // Shown to another session (someone else signed in meanwhile): ask the user who is signed in now.
  if (form.get("sid") !== session.sessionId) return respondWithStep(c, request, { kind: "consent", session }, 303);
  const context = { env: c.env, config: c.var.config, issuer: c.var.issuer };
  const step = decision === "approve" ? await approveConsent(context, request, session) : denyConsent(context, request);
  return respondWithStep(c, request, step, 303);
}
