import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from "jose";
import type { Env } from "../env";
import { proofObjectName } from "../proofs/dpop-proof-object";
import { OAuthError } from "../protocol/errors";
import { now } from "../runtime/clock";
import { sha256 } from "../tokens/hash";

/** RFC 9449 §4.2–§4.3: the proof algorithms accepted (asymmetric only). */
export const DPOP_ALGORITHMS = ["ES256", "EdDSA", "RS256"];
/** How far a proof's `iat` may be from now (RFC 9449 §11.1 leaves it to the server). */
const IAT_WINDOW_S = 60;

export interface DpopCheck {
  method: string;
  /** The request URL; compared without query and fragment (RFC 9449 §4.3). */
  url: string;
  /** At a resource: the access token the proof must hash into `ath`. */
  accessToken?: string;
  nonceRequired: boolean;
}

/** An invalid proof (RFC 9449 §7.1): invalid_dpop_proof, or use_dpop_nonce with a fresh nonce. */
export function dpopError(code: "invalid_dpop_proof" | "use_dpop_nonce", description: string, nonce: string | null = null): OAuthError {
  return new OAuthError(code, description, 400, nonce ? { "DPoP-Nonce": nonce } : {});
}

/**
 * Validates a DPoP proof JWT (RFC 9449 §4.3) and returns the thumbprint of its key (`jkt`):
 * `typ` dpop+jwt, an allowed algorithm, a public JWK in the header that verifies the signature,
 * `htm` and `htu` of this request, `iat` within the window, a `jti` not seen before for this key
 * (decided by the key's DpopProofObject), `ath` at a resource, and the server nonce when required.
 */
export async function verifyDpopProof(env: Env, proof: string, check: DpopCheck): Promise<{ jkt: string; nonce: string | null }> {
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    // jwtVerify checks typ and the algorithm; the embedded key must be a public one.
    const header = decodeProtectedHeader(proof);
    jwk = header.jwk as JWK;
    if (!jwk || "d" in jwk || "k" in jwk) throw new Error("jwk");
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: DPOP_ALGORITHMS, currentDate: new Date(now()) }));
  } catch {
    throw dpopError("invalid_dpop_proof", "The DPoP proof is not a valid dpop+jwt signed by the key in its header.");
  }
  const at = Math.floor(now() / 1000);
  if (payload.htm !== check.method) throw dpopError("invalid_dpop_proof", "The DPoP proof's htm is not this request's method.");
  if (typeof payload.htu !== "string" || withoutQuery(payload.htu) !== withoutQuery(check.url)) {
    throw dpopError("invalid_dpop_proof", "The DPoP proof's htu is not this request's URL.");
  }
  if (typeof payload.iat !== "number" || Math.abs(payload.iat - at) > IAT_WINDOW_S) throw dpopError("invalid_dpop_proof", "The DPoP proof's iat is not recent.");
  if (typeof payload.jti !== "string" || payload.jti.length < 8 || payload.jti.length > 256) throw dpopError("invalid_dpop_proof", "The DPoP proof needs a jti.");
  if (check.accessToken !== undefined && payload.ath !== (await sha256(check.accessToken))) {
    throw dpopError("invalid_dpop_proof", "The DPoP proof's ath does not match the access token.");
  }
  const jkt = await calculateJwkThumbprint(jwk, "sha256");
  const nonce = typeof payload.nonce === "string" ? payload.nonce : null;
  const verdict = await env.DPOP_PROOFS.getByName(proofObjectName(jkt)).accept({
    jti: payload.jti,
    until: (payload.iat + IAT_WINDOW_S + 1) * 1000,
    nonce,
    nonceRequired: check.nonceRequired,
  });
  if (!verdict.ok && verdict.reason === "nonce") throw dpopError("use_dpop_nonce", "The DPoP proof must carry the server's nonce.", verdict.nonce);
  if (!verdict.ok) throw dpopError("invalid_dpop_proof", "The DPoP proof was already used (jti replay).");
  return { jkt, nonce: verdict.nonce };
}

function withoutQuery(url: string): string | null {
  try {
    const parsed = new URL(url);
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
  } catch {
    return null;
  }
}
