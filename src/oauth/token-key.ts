import type { Config } from "../config/config";
import { toBase64Url } from "../tokens/encoding";
import { hmacSha256 } from "../tokens/hmac";

/**
 * The HMAC key a grant object makes its opaque token strings with (SPEC §6, §13 "a storage dump
 * alone yields no token"): HMAC-SHA256(TOKEN_SECRET, "grant-token-key/v1:" ‖ object id). The
 * object receives it with each request and never stores it, so a copy of its storage holds token
 * ids and hashes but nothing that re-derives a token.
 */
export async function grantTokenKey(config: Config, objectId: string): Promise<string> {
  return toBase64Url(await hmacSha256(config.tokenSecret, `grant-token-key/v1:${objectId}`));
}
