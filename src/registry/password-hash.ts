import { fromBase64Url, randomBytes, toBase64Url } from "../tokens/encoding";

/**
 * Salted, slow password hashes (SPEC §6): PBKDF2-SHA256 with a per-user random salt and 100,000
 * iterations, the most the production Workers runtime allows (it refuses more; local workerd does
 * not, so a test asserts the count). The parameters are stored with the hash so they can be
 * raised later without invalidating existing hashes.
 */
export interface PasswordHash {
  alg: "PBKDF2-SHA256";
  iterations: number;
  salt: string; // base64url, 16 bytes
  hash: string; // base64url, 32 bytes
}

export const PBKDF2_ITERATIONS = 100_000;
const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return { alg: "PBKDF2-SHA256", iterations: PBKDF2_ITERATIONS, salt: toBase64Url(salt), hash: toBase64Url(hash) };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const salt = fromBase64Url(stored.salt);
  const expected = fromBase64Url(stored.hash);
  if (stored.alg !== "PBKDF2-SHA256" || !salt || !expected) return false;
  const actual = await derive(password, salt, stored.iterations);
  return actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
}

/** Spends the same work as a real check, so an unknown user takes as long as a wrong password. */
export async function spendPasswordCheck(password: string): Promise<void> {
  await derive(password, new Uint8Array(16), PBKDF2_ITERATIONS);
}
