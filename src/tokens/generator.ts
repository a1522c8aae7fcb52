import { ConfigError } from "../config/config";
import { jwtGenerator } from "./jwt";
import { deriveOpaqueToken } from "./opaque";
import type { TokenRef } from "./ref";
import type { SigningKey } from "./signing-key";

/** What an access token generator is given to produce the token string. */
export interface AccessTokenInput {
  ref: TokenRef;
  clientId: string;
  subject: string;
  scope: string;
  issuer: string;
  issuedAt: number; // epoch ms
  expiresAt: number; // epoch ms
  /** RFC 9449 §6: the DPoP key the token is bound to (`cnf.jkt`). */
  jkt?: string;
}

/** Key material a generator may use: the grant object's HMAC key, the server's signing key. */
export interface GeneratorKeys {
  tokenKey: CryptoKey;
  signingKey(): Promise<SigningKey>;
}

/**
 * The extension point for access token formats (WSO2's OauthTokenIssuer). The grant object asks
 * the generator for the string and never looks at the format itself; adding a format means
 * adding a generator here, not touching the grant logic.
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
  generate(keys: GeneratorKeys, input: AccessTokenInput): Promise<string>;
}

export const opaqueGenerator: AccessTokenGenerator = {
  format: "opaque",
  alwaysRenews: false,
  generate: (keys, input) => deriveOpaqueToken(keys.tokenKey, "access", input.ref),
};

const generators: Record<string, AccessTokenGenerator> = {
  [opaqueGenerator.format]: opaqueGenerator,
  [jwtGenerator.format]: jwtGenerator,
};

export const ACCESS_TOKEN_FORMATS = Object.keys(generators);

export function generatorFor(format: string): AccessTokenGenerator {
  const generator = generators[format];
  if (!generator) throw new ConfigError("ACCESS_TOKEN_FORMAT", `"${format}" has no token generator`);
  return generator;
}
