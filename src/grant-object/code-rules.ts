import { failure, type Failure } from "../protocol/errors";
import type { CodeRow } from "./code-rows";

/** What a token request presents with an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface PresentedCode {
  clientId: string;
  /** The token request's redirect_uri, or null when it sent none. */
  redirectUri: string | null;
  /** base64url(SHA-256(code_verifier)), computed by the Worker. */
  verifierHash: string;
  jkt: string | null;
}

export const CODE_INVALID = "The authorization code is invalid, expired or already used.";

/**
 * Whether a code may be redeemed, pure. A code already redeemed is not checked further: it is a
 * replay, which the object answers by revoking what the code gave (see `isReplay`).
 */
export function codeRefusal(code: CodeRow | null, presented: PresentedCode, now: number, boundTo: string | null = null): Failure | null {
  if (!code || code.expiresAt <= now) return failure("invalid_grant", CODE_INVALID);
  if (code.clientId !== presented.clientId) return failure("invalid_grant", "The authorization code was issued to another client.");
  const redirectMatches = presented.redirectUri === null ? !code.redirectUriSent : presented.redirectUri === code.redirectUri;
  if (!redirectMatches) return failure("invalid_grant", "redirect_uri does not match the authorization request.");
  if (presented.verifierHash !== code.codeChallenge) return failure("invalid_grant", "The code_verifier does not match the code_challenge (PKCE).");
  // RFC 9449 §10: a code bound with dpop_jkt is redeemed with that key only; an unbound code
  // gives bearer tokens (its grant object's key has no binding).
  if (boundTo !== presented.jkt) {
    return failure("invalid_dpop_proof", boundTo ? "The code is bound to another DPoP key (dpop_jkt)." : "Bind the code with dpop_jkt in the authorization request to get DPoP-bound tokens.");
  }
  return null;
}

/**
 * A second redemption of a code by its own client: deny, and revoke what the first gave. (Another
 * client presenting it is refused without revoking anything, so knowing a spent code is no way
 * to kill someone else's tokens.)
 */
export function isReplay(code: CodeRow | null, presented: PresentedCode): boolean {
  return code !== null && code.redeemedAt !== null && code.clientId === presented.clientId;
}
