import { consentObjectName } from "../browser/consent-object";
import type { SessionView } from "../browser/session-object";
import type { Config } from "../config/config";
import type { Env } from "../env";
import { grantObjectName, type GrantKey } from "../grant-object/key";
import { describable, OAuthError } from "../protocol/errors";
import { now } from "../runtime/clock";
import { scopeOf, type AuthorizationRequest } from "./authorization-request";
import { grantTokenKey } from "./token-key";

/** What the browser sees next: the login page, the consent page, or a redirect back to the client. */
export type NextStep = { kind: "login" } | { kind: "consent"; session: SessionView } | { kind: "redirect"; location: string };

export interface FlowContext {
  env: Env;
  config: Config;
  issuer: string;
}

/** What this round of the flow has already done: a login just now, a consent just now. */
export interface Done {
  loggedIn?: boolean;
  consented?: boolean;
}

/**
 * The authorization endpoint's decision (SPEC §10, OIDC Core §3.1.2.3): log in unless a session
 * may be used (no `prompt=login`, within `max_age`), ask for consent unless remembered or the
 * client skips it (`prompt=consent` asks again), then issue a code. `prompt=none` never shows a
 * page: it answers `login_required` / `consent_required` instead.
 */
export async function continueAuthorization(context: FlowContext, request: AuthorizationRequest, session: SessionView | null, done: Done = {}): Promise<NextStep> {
  const { prompt } = request;
  if (!session || (!done.loggedIn && mustLogInAgain(request, session))) {
    if (prompt.has("none")) return backToClient(context, request, { error: new OAuthError("login_required", "The user is not signed in.") });
    return { kind: "login" };
  }
  if (!done.consented && (await needsConsent(context.env, request, session))) {
    if (prompt.has("none")) return backToClient(context, request, { error: new OAuthError("consent_required", "The user has not approved this application.") });
    return { kind: "consent", session };
  }
  return backToClient(context, request, { code: await issueCode(context, request, session) });
}

function mustLogInAgain(request: AuthorizationRequest, session: SessionView): boolean {
  // OIDC Core §3.1.2.1: max_age=0 is prompt=login.
  if (request.prompt.has("login") || request.maxAge === 0) return true;
  return request.maxAge !== null && now() - session.authTime > request.maxAge * 1000;
}

async function needsConsent(env: Env, request: AuthorizationRequest, session: SessionView): Promise<boolean> {
  if (request.client.skip_consent) return false;
  if (request.prompt.has("consent")) return true;
  return !(await consentOf(env, session, request).covers(request.scopes));
}

function consentOf(env: Env, session: SessionView, request: AuthorizationRequest) {
  return env.CONSENTS.getByName(consentObjectName(session.userId, request.client.client_id));
}

/** The user approved the request's scopes on the consent page: remember them, then continue. */
export async function approveConsent(context: FlowContext, request: AuthorizationRequest, session: SessionView): Promise<NextStep> {
  await consentOf(context.env, session, request).approve(request.scopes);
  return continueAuthorization(context, request, session, { loggedIn: true, consented: true });
}

/** The user denied: RFC 6749 §4.1.2.1 access_denied, back to the client. */
export function denyConsent(context: FlowContext, request: AuthorizationRequest): NextStep {
  return backToClient(context, request, { error: new OAuthError("access_denied", "The user denied the request.") });
}

/** The code lives in the grant object of its key (client, user, granted scopes): redeemed where its tokens live. */
async function issueCode(context: FlowContext, request: AuthorizationRequest, session: SessionView): Promise<string> {
  const { env } = context;
  const key: GrantKey = { clientId: request.client.client_id, username: session.userName, scope: scopeOf(request), ...(request.dpopJkt ? { jkt: request.dpopJkt } : {}) };
  const grantId = env.GRANTS.idFromName(grantObjectName(key));
  const tokenKey = await grantTokenKey(context.config, grantId.toString());
  // The session learns which grant object its tokens live in, so logout can always find them; the
  // code goes out only once that is recorded (both calls at once: one round trip, not two).
  const [recorded, code] = await Promise.all([
    env.SESSIONS.get(env.SESSIONS.idFromString(session.sessionId)).recordGrant(grantId.toString()),
    env.GRANTS.get(grantId).createCode({
      key,
      tokenKey,
      subject: session.userId,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
      sessionId: session.sessionId,
      authTime: session.authTime,
      userEpoch: session.userEpoch,
      lifetimeMs: context.config.authorizationCodeLifetime * 1000,
    }),
  ]);
  if (!recorded) throw new OAuthError("login_required", "The session ended."); // the code is never handed out
  return code;
}

/**
 * RFC 6749 §4.1.2 / §4.1.2.1 with RFC 9207: the code or the error, the state, and the issuer,
 * added to the redirect URI's own query.
 */
export function backToClient(
  context: Pick<FlowContext, "issuer">,
  target: { redirectUri: string; state: string | null },
  result: { code: string } | { error: OAuthError },
): Extract<NextStep, { kind: "redirect" }> {
  const url = new URL(target.redirectUri);
  if ("code" in result) url.searchParams.append("code", result.code);
  else {
    url.searchParams.append("error", result.error.code);
    url.searchParams.append("error_description", describable(result.error.description));
  }
  if (target.state !== null) url.searchParams.append("state", target.state);
  url.searchParams.append("iss", context.issuer);
  return { kind: "redirect", location: url.href };
}
