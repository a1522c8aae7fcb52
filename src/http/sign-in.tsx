import { AUTHORIZATION_PARAMETERS, parseAuthorizationRequest, type AuthorizationParse, type AuthorizationRequest } from "../oauth/authorization-request";
import type { Parameters } from "../oauth/parameters";
import { backToClient, type NextStep } from "../oauth/authorization-flow";
import type { AppContext } from "./context";
import { checkCsrf, csrfToken } from "./csrf";
import { readForm } from "./form";
import { ConsentPage } from "./pages/consent-page";
import { LoginPage } from "./pages/login-page";
import { formTargetOf, renderPage } from "./pages/render";
import { errorPage } from "./render-error";

/**
 * The browser's side of the authorization endpoint, login and consent: each turns the flow's
 * next step into a page or a redirect. `redirectStatus` is 302 after a GET and 303 after a form
 * post (so the browser follows with a GET).
 */
export async function respondWithStep(c: AppContext, request: AuthorizationRequest, step: NextStep, redirectStatus: 302 | 303): Promise<Response> {
  if (step.kind === "redirect") return c.redirect(step.location, redirectStatus);
  const targets = [formTargetOf(request.redirectUri)];
  if (step.kind === "login") return renderLogin(c, request, {});
  const page = (
    <ConsentPage
      clientName={request.client.client_name}
      userName={step.session.userName}
      scopes={request.scopes}
      // The approval counts only for the session the page was shown to (not another user who
      // signed in in another tab meanwhile).
      params={{ ...request.params, sid: step.session.sessionId }}
      csrf={csrfToken(c)}
      redirectOrigin={formTargetOf(request.redirectUri)}
      site={new URL(c.var.issuer).host}
    />
  );
  return renderPage(c, page, 200, targets);
}

export function renderLogin(c: AppContext, request: AuthorizationRequest, options: { error?: string; username?: string }, status: 200 | 400 = 200): Promise<Response> {
  const username = options.username ?? request.loginHint ?? undefined;
  const page = (
    <LoginPage
      clientName={request.client.client_name}
      params={request.params}
      csrf={csrfToken(c)}
      {...(options.error ? { error: options.error } : {})}
      {...(username ? { username } : {})}
      site={new URL(c.var.issuer).host}
    />
  );
  return renderPage(c, page, status, [formTargetOf(request.redirectUri)]);
}

/**
 * A post of the login or consent form: the body read strictly, the CSRF token checked, and the
 * authorization request it carries checked again (it came back through the browser). A request
 * that no longer parses is answered here (error page or redirect).
 */
export async function readSignInPost(c: AppContext): Promise<{ form: Parameters; request: AuthorizationRequest } | Response> {
  const form = await readForm(c);
  checkCsrf(c, form);
  const params = new URLSearchParams();
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = form.get(name);
    if (value !== undefined) params.append(name, value);
  }
  const parsed = await parseAuthorizationRequest(c.env, c.var.config, params.toString());
  if (!parsed.ok) return respondToBadRequest(c, parsed, 303);
  return { form, request: parsed.request };
}

/** An authorization request that did not parse: an error page, or the error back to the client. */
export function respondToBadRequest(c: AppContext, parsed: Exclude<AuthorizationParse, { ok: true }>, redirectStatus: 302 | 303): Promise<Response> | Response {
  if ("page" in parsed) return errorPage(parsed.page);
  const step = backToClient({ issuer: c.var.issuer }, { redirectUri: parsed.redirect.uri, state: parsed.redirect.state }, { error: parsed.error });
  return c.redirect(step.location, redirectStatus);
}
