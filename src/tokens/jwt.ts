import { decodeJwt, SignJWT } from "jose";
import type { AccessTokenGenerator } from "./generator";
import { jtiOf, refOfJti, type TokenRef } from "./ref";

/**
 * Self-contained access tokens (SPEC §5.5, RFC 9068 profile), signed with the server's current
 * key. A JWT cannot be re-derived later, so this generator always renews (as WSO2's JWT issuer
 * does): every token request gets a new JWT and the key's previous one is revoked.
 */
export const jwtGenerator: AccessTokenGenerator = {
  format: "jwt",
  alwaysRenews: true,
  async generate(keys, input) {
    const signingKey = await keys.signingKey();
    return new SignJWT({ client_id: input.clientId, scope: input.scope, ...(input.jkt ? { cnf: { jkt: input.jkt } } : {}) })
      .setProtectedHeader({ alg: signingKey.alg, typ: "at+jwt", kid: signingKey.kid })
      .setIssuer(input.issuer)
      .setSubject(input.subject)
      .setAudience(input.clientId)
      .setIssuedAt(Math.floor(input.issuedAt / 1000))
      .setNotBefore(Math.floor(input.issuedAt / 1000))
      .setExpirationTime(Math.floor(input.expiresAt / 1000))
      .setJti(jtiOf(input.ref))
      .sign(signingKey.privateKey);
  },
};

/**
 * The ref of a presented JWT, read from its `jti` without verifying the signature: it only says
 * which grant object to ask, and that object checks the token's hash itself.
 */
export function parseJwtRef(token: string): TokenRef | null {
  if (token.split(".").length !== 3) return null;
  try {
    return refOfJti(decodeJwt(token).jti);
  } catch {
    return null;
  }
}
