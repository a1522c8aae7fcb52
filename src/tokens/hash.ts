import { toBase64Url } from "./encoding";

const encoder = new TextEncoder();

/**
 * SHA-256 of a high-entropy value (token or client secret), base64url. Such values need no slow
 * hash: guessing 2^128 inputs is out of reach, and a fast hash keeps the hot path cheap.
 */
export async function sha256(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  return toBase64Url(new Uint8Array(digest));
}

/** Constant-time comparison of two digests in the same encoding (their length is no secret). */
export function digestsEqual(a: string, b: string): boolean {
  const [left, right] = [encoder.encode(a), encoder.encode(b)];
  return left.length === right.length && crypto.subtle.timingSafeEqual(left, right);
}

/**
 * Constant-time comparison of two strings of any length: neither the first differing byte nor
 * the length shows in the time taken, except whether a string is longer than 254 bytes of UTF-8.
 * Strings up to that (names, passwords) are compared as fixed-size, length-prefixed buffers, which
 * costs no digest; longer ones are hashed first.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = [padded(a), padded(b)];
  if (left && right) return crypto.subtle.timingSafeEqual(left, right);
  const [leftDigest, rightDigest] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(leftDigest, rightDigest);
}

const PADDED_BYTES = 256;

/** Two bytes of length, then the UTF-8, then zeros; null when it does not fit. */
function padded(value: string): Uint8Array | null {
  const bytes = new Uint8Array(PADDED_BYTES);
  const { read, written } = encoder.encodeInto(value, bytes.subarray(2));
  if (read < value.length) return null;
  bytes[0] = written >> 8;
  bytes[1] = written & 0xff;
  return bytes;
}
