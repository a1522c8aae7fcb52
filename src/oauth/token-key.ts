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
  const known = derived.get(objectId);
  if (known && known.secret === config.tokenSecret) return known.material;
  const material = toBase64Url(await hmacSha256(config.tokenSecret, `grant-token-key/v1:${objectId}`));
  if (derived.size >= DERIVED_MAX) derived.clear();
  derived.set(objectId, { secret: config.tokenSecret, material });
  return material;
}

/**
 * Keys derived a moment ago, per isolate (a hot key's every request needs its own): holding them
 * in memory exposes nothing TOKEN_SECRET, held beside them, does not already. Bounded.
 */
const derived = new Map<string, { secret: string; material: string }>();
const DERIVED_MAX = 10_000;
