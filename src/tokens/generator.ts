import { ConfigError } from "../config";
import { deriveOpaqueToken, type TokenRef } from "./opaque";

/** What an access token generator is given to produce the token string. */
export interface AccessTokenInput {
  ref: TokenRef;
  clientId: string;
  subject: string;
  scope: string;
  issuer: string;
  issuedAt: number; // epoch ms
  expiresAt: number; // epoch ms
}

/**
 * The extension point for access token formats (WSO2's OauthTokenIssuer). The grant object asks
 * the generator for the string; it never looks at the format itself.
 */
export interface AccessTokenGenerator {
  readonly format: string;
  /**
   * A generator that always renews makes every token request issue a new access token and revoke
   * the key's previous one, whatever RENEW_TOKEN_PER_REQUEST says (WSO2's
   * renewAccessTokenPerRequest()). A generator that cannot re-derive a token string it issued
   * earlier must always renew.
   */
  readonly alwaysRenews: boolean;
  generate(key: CryptoKey, input: AccessTokenInput): Promise<string>;
}

export const opaqueGenerator: AccessTokenGenerator = {
  format: "opaque",
  alwaysRenews: false,
  generate: (key, input) => deriveOpaqueToken(key, "access", input.ref),
};

const generators: Record<string, AccessTokenGenerator> = { opaque: opaqueGenerator };

export function generatorFor(format: string): AccessTokenGenerator {
  const generator = generators[format];
  if (!generator) {
    throw new ConfigError("ACCESS_TOKEN_FORMAT", `"${format}" has no token generator in this build`);
  }
  return generator;
}
