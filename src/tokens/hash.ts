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
 * Constant-time comparison of two strings of any length: both sides are hashed first so the
 * comparison never short-circuits on length or on the first differing byte.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(left, right);
}
