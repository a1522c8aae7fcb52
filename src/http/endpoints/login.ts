import { continueAuthorization } from "../../oauth/authorization-flow";
import { logIn } from "../../oauth/browser-session";
import { authenticateUser } from "../../oauth/user-authentication";
import { hasControlCharacters } from "../../text/characters";
import type { AppContext } from "../context";
import { readCookie, SESSION_COOKIE, setSessionCookie } from "../cookies";
import { readSignInPost, renderLogin, respondWithStep } from "../sign-in";

const WRONG_CREDENTIALS = "The username or password is incorrect.";
const MAX_CREDENTIAL_LENGTH = 1024;

/**
 * POST /oauth2/login: the login page's form. A failed login shows one generic message and counts
 * towards the account lockout exactly like a failed password grant (the same authenticateUser);
 * a successful one starts a browser session and continues the authorization.
 */
export async function loginEndpoint(c: AppContext): Promise<Response> {
  const posted = await readSignInPost(c);
  if (posted instanceof Response) return posted;
  const { form, request } = posted;
  const username = form.get("username") ?? "";
  const password = form.get("password") ?? "";
  if (username === "" || password === "") return renderLogin(c, request, { error: "Enter your username and password.", username }, 400);
  const plausible = username.length <= MAX_CREDENTIAL_LENGTH && password.length <= MAX_CREDENTIAL_LENGTH && !hasControlCharacters(username + password);
  const user = plausible ? await authenticateUser(c.env, c.var.config, username, password) : null;
  if (!user) return renderLogin(c, request, { error: WRONG_CREDENTIALS, username }, 400);

  const { cookie, session } = await logIn(c.env, c.var.config, user, ["pwd"], readCookie(c, SESSION_COOKIE));
  if (cookie) setSessionCookie(c, cookie, c.var.config.sessionLifetime);
  const context = { env: c.env, config: c.var.config, issuer: c.var.issuer };
  return respondWithStep(c, request, await continueAuthorization(context, request, session, { loggedIn: true }), 303);
}
