import type { AccessTokenGenerator, AccessTokenInput, GeneratorKeys } from "../tokens/generator";
import { sha256 } from "../tokens/hash";
import { deriveOpaqueToken, newTokenId, type OpaqueKind } from "../tokens/opaque";
import type { GrantKey } from "./key";

/** A candidate token: made before the transaction, stored (by hash) only if the transaction commits. */
export interface MintedToken {
  id: string;
  token: string;
  hash: string;
}

/** The access token a request asks for: its key and scope, its lifetime window, who issues it. */
export interface AccessSpec {
  key: GrantKey;
  subject: string;
  scope: string;
  issuer: string;
  issuedAt: number; // epoch ms
  expiresAt: number; // epoch ms
}

/**
 * Makes the token strings of one grant object: the asynchronous work (HMAC, signing, hashing) that
 * runs before a request's transaction, and the re-derivation of a string issued earlier.
 */
export class TokenMinter {
  constructor(
    private readonly grantId: string,
    private readonly keys: () => GeneratorKeys,
  ) {}

  async access(generator: AccessTokenGenerator, spec: AccessSpec, id: string = newTokenId()): Promise<MintedToken> {
    const token = await generator.generate(this.keys(), this.accessInput(id, spec));
    return { id, token, hash: await sha256(token) };
  }

  /** A refresh token or an authorization code: an opaque string this object can re-derive. */
  async opaque(kind: "refresh" | "code"): Promise<MintedToken> {
    const id = newTokenId();
    const token = await this.derive(kind, id);
    return { id, token, hash: await sha256(token) };
  }

  /** The string of an opaque token this object issued (renewal off hands it back). */
  derive(kind: OpaqueKind, tokenId: string): Promise<string> {
    return deriveOpaqueToken(this.keys().tokenKey, kind, { grantId: this.grantId, tokenId });
  }

  private accessInput(id: string, spec: AccessSpec): AccessTokenInput {
    return {
      ref: { grantId: this.grantId, tokenId: id },
      clientId: spec.key.clientId,
      subject: spec.subject,
      scope: spec.scope,
      issuer: spec.issuer,
      issuedAt: spec.issuedAt,
      expiresAt: spec.expiresAt,
      ...(spec.key.jkt ? { jkt: spec.key.jkt } : {}),
    };
  }
}
