import { fromBase64Url, fromHex, toBase64Url, toHex } from "./encoding";

/**
 * Where a token lives: its grant object (the Durable Object id, hex) and its row there. Every
 * token carries its ref, so refresh, revocation and strong introspection reach the owning object
 * without trusting KV.
 */
export interface TokenRef {
  grantId: string; // hex, as DurableObjectId.toString()
  tokenId: string; // base64url of 16 random bytes
}

export const GRANT_ID_BYTES = 32;
export const TOKEN_ID_BYTES = 16;

/** The ref as bytes: grant id ‖ token id. */
export function refBytes(ref: TokenRef): Uint8Array {
  const grantId = fromHex(ref.grantId);
  const tokenId = fromBase64Url(ref.tokenId);
  if (grantId.length !== GRANT_ID_BYTES || tokenId?.length !== TOKEN_ID_BYTES) throw new Error("malformed token reference");
  const bytes = new Uint8Array(GRANT_ID_BYTES + TOKEN_ID_BYTES);
  bytes.set(grantId, 0);
  bytes.set(tokenId, GRANT_ID_BYTES);
  return bytes;
}

export function refFromBytes(bytes: Uint8Array): TokenRef {
  return {
    grantId: toHex(bytes.subarray(0, GRANT_ID_BYTES)),
    tokenId: toBase64Url(bytes.subarray(GRANT_ID_BYTES, GRANT_ID_BYTES + TOKEN_ID_BYTES)),
  };
}

/** The `jti` of a token (introspection answer, JWT claim): its ref, base64url (64 characters). */
export function jtiOf(ref: TokenRef): string {
  return toBase64Url(refBytes(ref));
}

export function refOfJti(jti: unknown): TokenRef | null {
  if (typeof jti !== "string" || jti.length !== 64) return null;
  const bytes = fromBase64Url(jti);
  return bytes?.length === GRANT_ID_BYTES + TOKEN_ID_BYTES ? refFromBytes(bytes) : null;
}
