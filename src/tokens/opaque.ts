import { fromBase64Url, randomBytes, toBase64Url } from "./encoding";
import { GRANT_ID_BYTES, refBytes, refFromBytes, TOKEN_ID_BYTES, type TokenRef } from "./ref";

/**
 * Opaque token strings: base64url(grantId ‖ tokenId ‖ mac), 64 bytes, 86 characters. The mac is
 * HMAC-SHA256 (first 16 bytes) under the grant object's own key over kind ‖ ref, so the object
 * can re-derive a string it issued (renewal off hands back the same token) while storing only
 * the token id and the SHA-256 of the string. Nothing stores a token in clear.
 */
export type TokenKind = "access" | "refresh";
/** What an opaque string can be: a token, or an authorization code (SPEC §10), each MACed with its kind. */
export type OpaqueKind = TokenKind | "code";

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

export async function deriveOpaqueToken(key: CryptoKey, kind: OpaqueKind, ref: TokenRef): Promise<string> {
  const prefix = refBytes(ref);
  const signed = encoder.encode(`${kind}.${ref.grantId}.${ref.tokenId}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)).subarray(0, MAC_BYTES);
  const bytes = new Uint8Array(TOKEN_BYTES);
  bytes.set(prefix, 0);
  bytes.set(mac, prefix.length);
  return toBase64Url(bytes);
}

/** Reads the ref of a presented opaque token; null when it cannot be one of ours. */
export function parseOpaqueToken(token: string): TokenRef | null {
  const bytes = token.length === 86 ? fromBase64Url(token) : null;
  if (!bytes || bytes.length !== TOKEN_BYTES) return null;
  return refFromBytes(bytes);
}
