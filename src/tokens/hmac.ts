import { toBase64Url } from "./encoding";

const encoder = new TextEncoder();
const imported = new Map<string, Promise<CryptoKey>>();

/**
 * HMAC-SHA256 under a key given as a secret string (TOKEN_SECRET, its UTF-8 bytes) or as raw
 * bytes (a key derived from it), each imported once per isolate: what the token keys and the
 * client-id MACs are derived with.
 */
export async function hmacSha256(key: string | Uint8Array, data: string | Uint8Array): Promise<Uint8Array> {
  const name = typeof key === "string" ? `utf8:${key}` : `raw:${toBase64Url(key)}`;
  let cryptoKey = imported.get(name);
  if (!cryptoKey) {
    cryptoKey = crypto.subtle.importKey("raw", typeof key === "string" ? encoder.encode(key) : key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    imported.set(name, cryptoKey);
  }
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await cryptoKey, bytes));
}
