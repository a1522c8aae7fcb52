import { SignJWT } from "jose";
import type { Config } from "../config/config";
import type { Env } from "../env";
import type { IssuedTokens } from "../grant-object/grant-rpc";
import { currentSigningKey } from "../keys/signing-key-cache";
import { now } from "../runtime/clock";
import { toBase64Url } from "../tokens/encoding";
import { userClaims } from "./user-claims";

/** What the login vouched for, as the redeemed code carries it. */
export type Login = NonNullable<IssuedTokens["login"]>;

/**
 * The OpenID Connect ID Token of a code exchange with `openid` (OIDC Core §2, §3.1.3.6), signed
 * ES256 with the JWKS keys: iss, sub (the user's stable id), aud and azp (the client), exp, iat,
 * auth_time, nonce (when the request had one), at_hash, sid (the browser session, for logout),
 * amr, and the profile / email claims the scopes release.
 */
export async function mintIdToken(
  env: Env,
  config: Config,
  token: { issuer: string; clientId: string; scopes: readonly string[]; accessToken: string; lifetimeSeconds: number; login: Login },
): Promise<string> {
  const { login } = token;
  const [key, claims, atHash] = await Promise.all([
    currentSigningKey(env),
    userClaims(env, config, { subject: login.subject, userName: login.userName }, token.scopes),
    leftHalfHash(token.accessToken),
  ]);
  const issuedAt = Math.floor(now() / 1000);
  return new SignJWT({
    ...claims,
    azp: token.clientId,
    auth_time: Math.floor(login.authTime / 1000),
    ...(login.nonce !== null ? { nonce: login.nonce } : {}),
    at_hash: atHash,
    ...(login.sessionId ? { sid: login.sessionId } : {}),
    amr: ["pwd"],
  })
    .setProtectedHeader({ alg: key.alg, typ: "JWT", kid: key.kid })
    .setIssuer(token.issuer)
    .setSubject(login.subject)
    .setAudience(token.clientId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + token.lifetimeSeconds)
    .sign(key.privateKey);
}

/** OIDC Core §3.1.3.6 at_hash: base64url of the left half of the SHA-256 of the access token (ES256). */
async function leftHalfHash(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  return toBase64Url(digest.subarray(0, digest.length / 2));
}
