const encoder = new TextEncoder();
const imported = new Map<string, Promise<CryptoKey>>();

/**
 * HMAC-SHA256 under a key given as a secret string (TOKEN_SECRET), imported once per isolate:
 * what the token keys and the client-id MACs are derived with.
 */
export async function hmacSha256(secret: string, data: string | Uint8Array): Promise<Uint8Array> {
  let key = imported.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    imported.set(secret, key);
  }
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key, bytes));
}
