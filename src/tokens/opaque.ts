import { fromBase64Url, fromHex, randomBytes, toBase64Url, toHex } from "./encoding";

/**
 * Opaque token strings. A token is base64url(grantId ‖ tokenId ‖ mac), 64 bytes, 86 characters:
 *
 * - grantId (32 bytes): the id of the grant Durable Object that owns the token, so refresh,
 *   revocation and strong introspection reach the owner without trusting KV;
 * - tokenId (16 random bytes): the row id in that object, also the `jti`;
 * - mac (16 bytes): HMAC-SHA256 under the object's own key over kind ‖ grantId ‖ tokenId.
 *
 * The object stores only tokenId and the SHA-256 of the string; it re-derives the string with its
 * key when renewal is off and the same token must be returned again. Nothing stores it in clear.
 */
export type TokenKind = "access" | "refresh";

export interface TokenRef {
  grantId: string; // hex, as DurableObjectId.toString()
  tokenId: string; // base64url
}

const GRANT_ID_BYTES = 32;
const TOKEN_ID_BYTES = 16;
const MAC_BYTES = 16;
const TOKEN_BYTES = GRANT_ID_BYTES + TOKEN_ID_BYTES + MAC_BYTES;
const encoder = new TextEncoder();

export function newTokenId(): string {
  return toBase64Url(randomBytes(TOKEN_ID_BYTES));
}

export function newTokenKeyMaterial(): string {
  return toBase64Url(randomBytes(32));
}

export function importTokenKey(material: string): Promise<CryptoKey> {
  const raw = fromBase64Url(material);
  if (!raw) throw new Error("corrupt token key material");
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

export async function deriveOpaqueToken(key: CryptoKey, kind: TokenKind, ref: TokenRef): Promise<string> {
  const grantId = fromHex(ref.grantId);
  const tokenId = fromBase64Url(ref.tokenId);
  if (grantId.length !== GRANT_ID_BYTES || tokenId?.length !== TOKEN_ID_BYTES) {
    throw new Error("malformed token reference");
  }
  const signed = encoder.encode(`${kind}.${ref.grantId}.${ref.tokenId}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)).subarray(0, MAC_BYTES);
  const bytes = new Uint8Array(TOKEN_BYTES);
  bytes.set(grantId, 0);
  bytes.set(tokenId, GRANT_ID_BYTES);
  bytes.set(mac, GRANT_ID_BYTES + TOKEN_ID_BYTES);
  return toBase64Url(bytes);
}

/** Reads the routing part of a presented token; null when it cannot be one of ours. */
export function parseOpaqueToken(token: string): TokenRef | null {
  const bytes = token.length === 86 ? fromBase64Url(token) : null;
  if (!bytes || bytes.length !== TOKEN_BYTES) return null;
  return {
    grantId: toHex(bytes.subarray(0, GRANT_ID_BYTES)),
    tokenId: toBase64Url(bytes.subarray(GRANT_ID_BYTES, GRANT_ID_BYTES + TOKEN_ID_BYTES)),
  };
}
