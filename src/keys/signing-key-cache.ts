import type { Env } from "../env";
import { importSigningKey, type SigningKey } from "../tokens/signing-key";
import { now } from "../runtime/clock";

/**
 * An isolate keeps the current signing key for up to a minute instead of asking the key object
 * on every JWT. After a rotation, other isolates may sign with the previous key for that long;
 * the previous key stays published well beyond it (see rotateSigningKey).
 */
export const SIGNING_KEY_CACHE_MS = 60_000;

let cached: { key: Promise<SigningKey>; fetchedAt: number } | null = null;

export function currentSigningKey(env: Env): Promise<SigningKey> {
  const at = now();
  if (!cached || at - cached.fetchedAt > SIGNING_KEY_CACHE_MS) {
    const key = signingKeyObject(env).current().then(importSigningKey);
    cached = { key, fetchedAt: at };
    key.catch(() => (cached = null));
  }
  return cached.key;
}

/** Drops this isolate's cached key (after a rotation it performed itself). */
export function forgetSigningKey(): void {
  cached = null;
}

export function signingKeyObject(env: Env) {
  return env.SIGNING_KEYS.getByName("signing-keys");
}
