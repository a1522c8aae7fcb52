import type { Config } from "../config/config";
import type { Env } from "../env";
import { invalidRequest, invalidScope, OAuthError, unauthorizedClient } from "../protocol/errors";
import type { ClientRecord } from "../registry/client-record";
import { findClient } from "../registry/lookup";
import { isVisibleAscii, printable } from "../text/characters";
import { formPairs } from "../text/form-encoding";
import { MAX_PARAMETER_LENGTH } from "./parameters";
import { matchRedirectUri } from "./redirect-uri";
import { checkClientScope, normaliseScope, scopeString } from "./scope";

export type Prompt = "none" | "login" | "consent";

/** A validated authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1). */
export interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  /** Whether the request named redirect_uri (the token request must then repeat it). */
  redirectUriSent: boolean;
  scopes: string[];
  state: string | null;
  codeChallenge: string;
  nonce: string | null;
  prompt: Set<Prompt>;
  maxAge: number | null; // seconds
  loginHint: string | null;
  /** RFC 9449 §10: the DPoP key the code is bound to; its tokens then are too. */
  dpopJkt: string | null;
  /** The parameters as received, to carry through the login and consent forms. */
  params: Record<string, string>;
}

/** Where an error goes: a page when the client or redirect URI cannot be trusted, else back to the client. */
export type AuthorizationParse =
  | { ok: true; request: AuthorizationRequest }
  | { ok: false; page: OAuthError }
  | { ok: false; redirect: { uri: string; state: string | null }; error: OAuthError };

/** The parameters the login and consent forms carry along (and nothing else). */
export const AUTHORIZATION_PARAMETERS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "nonce",
  "prompt",
  "max_age",
  "login_hint",
  "dpop_jkt",
] as const;

const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/; // base64url of a SHA-256 digest (RFC 7636 §4.2)
const PROMPTS: readonly Prompt[] = ["none", "login", "consent"];

/**
 * Parses and checks an authorization request from a query string or form body. The client and
 * redirect URI are checked first: until both are known good, an error is shown as a page and
 * never redirected (RFC 6749 §4.1.2.1); every later error goes back to the client.
 */
export async function parseAuthorizationRequest(env: Env, config: Config, encoded: string): Promise<AuthorizationParse> {
  const { tokenSecret, scopeLimits: limits } = config;
  const pairs = formPairs(encoded);
  if (!pairs) return { ok: false, page: invalidRequest("the request is not valid URL-encoded UTF-8") };
  const counts = new Map<string, number>();
  for (const [name] of pairs) counts.set(name, (counts.get(name) ?? 0) + 1);
  const single = (name: string): string | null => (counts.get(name) === 1 ? pairs.find(([n]) => n === name)![1] : null);

  const clientId = single("client_id");
  if (!clientId) return { ok: false, page: invalidRequest(counts.has("client_id") ? "client_id is repeated or empty" : "client_id is missing") };
  const client = isVisibleAscii(clientId) && clientId.length <= 256 ? await findClient(env, tokenSecret, clientId) : null;
  if (!client) return { ok: false, page: new OAuthError("invalid_client", "There is no application with this client_id.", 400) };
  const registered = client.redirect_uris ?? [];
  if ((counts.get("redirect_uri") ?? 0) > 1) return { ok: false, page: invalidRequest("redirect_uri is repeated") };
  const requested = single("redirect_uri");
  const redirectUri = requested ?? (registered.length === 1 ? registered[0]! : null);
  if (redirectUri === null) return { ok: false, page: invalidRequest("redirect_uri is required: the application registered more than one, or none") };
  if (requested !== null && !matchRedirectUri(registered, requested)) {
    return { ok: false, page: new OAuthError("invalid_redirect_uri", "The redirect_uri is not one this application registered.") };
  }

  const state = single("state");
  const fail = (error: OAuthError): AuthorizationParse => ({ ok: false, redirect: { uri: redirectUri, state }, error });
  const repeated = [...counts].find(([, n]) => n > 1);
  if (repeated) return fail(invalidRequest(`parameter ${printable(repeated[0])} is repeated`));
  const tooLong = pairs.find(([, value]) => value.length > MAX_PARAMETER_LENGTH);
  if (tooLong) return fail(invalidRequest(`parameter ${printable(tooLong[0])} is longer than ${MAX_PARAMETER_LENGTH} characters`));
  if (!client.grant_types.includes("authorization_code")) return fail(unauthorizedClient("the client is not registered for the authorization_code grant"));
  const responseType = single("response_type");
  if (!responseType) return fail(invalidRequest("response_type is missing"));
  if (responseType !== "code") return fail(new OAuthError("unsupported_response_type", 'only response_type "code" is supported'));
  for (const unsupported of ["request", "request_uri"] as const) {
    if (counts.has(unsupported)) return fail(invalidRequest(`the ${unsupported} parameter is not supported`));
  }
  const responseMode = single("response_mode");
  if (responseMode !== null && responseMode !== "query") return fail(invalidRequest('only response_mode "query" is supported'));

  const codeChallenge = single("code_challenge");
  if (!codeChallenge) return fail(invalidRequest("code_challenge is required (PKCE, RFC 7636)"));
  if (single("code_challenge_method") !== "S256") return fail(invalidRequest('code_challenge_method must be "S256"; "plain" is not accepted'));
  if (!CODE_CHALLENGE.test(codeChallenge)) return fail(invalidRequest("code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)"));

  let scopes: string[];
  try {
    scopes = normaliseScope(single("scope") ?? undefined, limits);
    checkClientScope(client.scope, scopes);
  } catch (error) {
    return fail(error instanceof OAuthError ? error : invalidScope("invalid scope"));
  }
  const prompt = parsePrompt(single("prompt"));
  if (!prompt) return fail(invalidRequest('prompt must be "none", or any of "login" and "consent"'));
  const maxAgeText = single("max_age");
  if (maxAgeText !== null && !/^\d{1,10}$/.test(maxAgeText)) return fail(invalidRequest("max_age must be a whole number of seconds"));

  const dpopJkt = single("dpop_jkt");
  if (dpopJkt !== null && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt)) return fail(invalidRequest("dpop_jkt must be a JWK SHA-256 thumbprint (RFC 7638)"));

  const params: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = single(name);
    if (value !== null) params[name] = value;
  }
  return {
    ok: true,
    request: {
      client,
      redirectUri,
      redirectUriSent: requested !== null,
      scopes,
      state,
      codeChallenge,
      nonce: single("nonce"),
      prompt,
      maxAge: maxAgeText === null ? null : Number(maxAgeText),
      loginHint: single("login_hint"),
      dpopJkt,
      params,
    },
  };
}

export function scopeOf(request: AuthorizationRequest): string {
  return scopeString(request.scopes);
}

function parsePrompt(raw: string | null): Set<Prompt> | null {
  const values = (raw ?? "").split(" ").filter((value) => value !== "");
  if (!values.every((value): value is Prompt => (PROMPTS as readonly string[]).includes(value))) return null;
  const prompt = new Set(values);
  return prompt.has("none") && prompt.size > 1 ? null : prompt;
}
