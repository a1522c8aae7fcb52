import { compactVerify, createLocalJWKSet, decodeJwt } from "jose";
import type { Env } from "../env";
import { signingKeyObject } from "../keys/signing-key-cache";
import { invalidRequest, OAuthError, success, type Outcome } from "../protocol/errors";
import type { ClientRecord } from "../registry/client-record";
import { findClient } from "../registry/lookup";
import type { Parameters } from "./parameters";

/** An RP-Initiated Logout request (OIDC RP-Initiated Logout 1.0 §2), checked. */
export interface LogoutRequest {
  client: ClientRecord | null;
  /** Where to send the browser afterwards: a registered post_logout_redirect_uri, or null for our own page. */
  redirectUri: string | null;
  state: string | null;
  /** The `sid` of a valid id_token_hint: the session the client asks to end. */
  hintSessionId: string | null;
  /** The parameters as received, to carry through the confirmation form. */
  params: Record<string, string>;
}

export const LOGOUT_PARAMETERS = ["id_token_hint", "post_logout_redirect_uri", "state", "client_id", "logout_hint", "ui_locales"] as const;

/**
 * Checks a logout request. An id_token_hint must be an ID Token this server signed (its `exp` may
 * have passed: §2 lets a client log out a session whose token expired); its `aud` names the
 * client. A post_logout_redirect_uri must be one the client registered, exactly.
 */
export async function parseLogoutRequest(env: Env, tokenSecret: string, issuer: string, params: Parameters): Promise<Outcome<LogoutRequest>> {
  const hint = params.get("id_token_hint") || null;
  const claims = hint ? await verifyHint(env, issuer, hint) : null;
  if (hint && !claims) return invalid("The id_token_hint is not an ID Token of this server.");
  const clientId = params.get("client_id") || null;
  if (claims && clientId && claims.aud !== clientId) return invalid("client_id does not match the id_token_hint's audience.");
  const id = claims?.aud ?? clientId;
  const client = id ? await findClient(env, tokenSecret, id) : null;
  if (id && !client) return { ok: false, error: "invalid_client", description: "There is no application with this client_id." };
  const redirectUri = params.get("post_logout_redirect_uri") || null;
  if (redirectUri && !client) return invalid("post_logout_redirect_uri needs a client_id or an id_token_hint.");
  if (redirectUri && !(client?.post_logout_redirect_uris ?? []).includes(redirectUri)) {
    return { ok: false, error: "invalid_redirect_uri", description: "The post_logout_redirect_uri is not one this application registered." };
  }
  const kept: Record<string, string> = {};
  for (const name of LOGOUT_PARAMETERS) {
    const value = params.get(name);
    if (value) kept[name] = value;
  }
  return success({ client, redirectUri, state: params.get("state") || null, hintSessionId: claims?.sid ?? null, params: kept });
}

function invalid(description: string): Outcome<LogoutRequest> {
  const error = invalidRequest(description);
  return { ok: false, error: error.code, description };
}

/** The hint's audience and session, when it is an ID Token this server signed; else null. */
async function verifyHint(env: Env, issuer: string, hint: string): Promise<{ aud: string; sid: string | null } | null> {
  try {
    const keys = await signingKeyObject(env).publicKeys();
    await compactVerify(hint, createLocalJWKSet({ keys }), { algorithms: ["ES256"] });
    const claims = decodeJwt(hint);
    const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    if (claims.iss !== issuer || typeof aud !== "string" || claims.azp !== aud) return null;
    return { aud, sid: typeof claims.sid === "string" ? claims.sid : null };
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    return null;
  }
}
