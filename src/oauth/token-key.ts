import type { Config } from "../config/config";
import { toBase64Url } from "../tokens/encoding";

const encoder = new TextEncoder();
let imported: { secret: string; key: Promise<CryptoKey> } | null = null;

/**
 * The HMAC key a grant object makes its opaque token strings with (SPEC §6, §13 "a storage dump
 * alone yields no token"): HMAC-SHA256(TOKEN_SECRET, "grant-token-key/v1:" ‖ object id). The
 * object receives it with each request and never stores it, so a copy of its storage holds token
 * ids and hashes but nothing that re-derives a token.
 */
export async function grantTokenKey(config: Config, objectId: string): Promise<string> {
  if (!imported || imported.secret !== config.tokenSecret) {
    const secret = config.tokenSecret;
    imported = { secret, key: crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) };
  }
  const mac = await crypto.subtle.sign("HMAC", await imported.key, encoder.encode(`grant-token-key/v1:${objectId}`));
  return toBase64Url(new Uint8Array(mac));
}
