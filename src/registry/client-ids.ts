import { fromBase64Url, randomBytes, toBase64Url } from "../tokens/encoding";
import { hmacSha256 } from "../tokens/hmac";

/**
 * Client ids this server issues carry their own keyed MAC (SPEC §14 "made-up client ids never
 * reach a Durable Object"): base64url(16 random bytes ‖ the first 8 bytes of HMAC-SHA256(key,
 * the random part)), 32 characters, the key derived from TOKEN_SECRET. A presented id is checked
 * without any storage read. Ids issued before (24 characters, 18 random bytes, no MAC) are only
 * ever looked up in the KV projection, never in the registry object.
 */
const RANDOM_BYTES = 16;
const MAC_BYTES = 8;
const LEGACY_BYTES = 18;
const macKeys = new Map<string, Promise<Uint8Array>>();

/**
 * The MAC key: the raw bytes of HMAC(TOKEN_SECRET, "client-id-key/v1"), so it differs from the
 * token keys; derived once per isolate. Ids depend on these exact bytes.
 */
function macKey(tokenSecret: string): Promise<Uint8Array> {
  let key = macKeys.get(tokenSecret);
  if (!key) {
    key = hmacSha256(tokenSecret, "client-id-key/v1");
    macKeys.set(tokenSecret, key);
  }
  return key;
}

/**
 * The MAC of an id's random part. `textKey`: for a while ids were made with the key's base64url
 * text, not its bytes, as the HMAC key; those ids stay valid.
 */
async function macOf(tokenSecret: string, random: Uint8Array, textKey = false): Promise<Uint8Array> {
  const key = await macKey(tokenSecret);
  return (await hmacSha256(textKey ? toBase64Url(key) : key, random)).subarray(0, MAC_BYTES);
}

export async function newClientId(tokenSecret: string): Promise<string> {
  const random = randomBytes(RANDOM_BYTES);
  const bytes = new Uint8Array(RANDOM_BYTES + MAC_BYTES);
  bytes.set(random, 0);
  bytes.set(await macOf(tokenSecret, random), RANDOM_BYTES);
  return toBase64Url(bytes);
}

export type ClientIdKind = "issued" | "legacy" | "impossible";

/** What a presented client id can be, decided without storage. */
export async function clientIdKind(tokenSecret: string, clientId: string): Promise<ClientIdKind> {
  const bytes = clientId.length === 32 || clientId.length === 24 ? fromBase64Url(clientId) : null;
  if (bytes?.length === LEGACY_BYTES) return "legacy";
  if (bytes?.length !== RANDOM_BYTES + MAC_BYTES) return "impossible";
  const [random, mac] = [bytes.subarray(0, RANDOM_BYTES), bytes.subarray(RANDOM_BYTES)];
  for (const textKey of [false, true]) {
    if (crypto.subtle.timingSafeEqual(await macOf(tokenSecret, random, textKey), mac)) return "issued";
  }
  return "impossible";
}

/** A client secret: 32 random bytes, base64url (stored only as SHA-256). */
export function newClientSecret(): string {
  return toBase64Url(randomBytes(32));
}
