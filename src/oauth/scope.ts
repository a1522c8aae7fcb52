import { invalidScope } from "../protocol/errors";

/** SPEC §5.1: no scope requested means WSO2's placeholder scope "default". */
export const DEFAULT_SCOPE = "default";

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/** SPEC §14 bounds: every distinct scope set is a key (a grant object), so requests are bounded. */
export interface ScopeLimits {
  /** MAX_SCOPES_PER_REQUEST */
  maxScopes: number;
  /** MAX_SCOPE_LENGTH: characters of one scope value */
  maxLength: number;
}

export const DEFAULT_SCOPE_LIMITS: ScopeLimits = { maxScopes: 32, maxLength: 128 };

/**
 * Normalises a requested scope: split on spaces, de-duplicated, sorted. `b a` and `a b a` give
 * the same list, so they are the same key and get the same token.
 */
export function normaliseScope(raw: string | undefined, limits: ScopeLimits = DEFAULT_SCOPE_LIMITS): string[] {
  const tokens = (raw ?? "").split(" ").filter((token) => token !== "");
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) {
      throw invalidScope("scope values must be printable ASCII without spaces, quotes or backslashes");
    }
    if (token.length > limits.maxLength) throw invalidScope(`a scope value may have at most ${limits.maxLength} characters`);
  }
  if (new Set(tokens).size > limits.maxScopes) throw invalidScope(`at most ${limits.maxScopes} scope values may be requested at once`);
  if (tokens.length === 0) return [DEFAULT_SCOPE];
  return [...new Set(tokens)].sort();
}

export function scopeString(scopes: readonly string[]): string {
  return scopes.join(" ");
}

/** A client registered with a scope list may only obtain scopes from it (plus "default"). */
export function checkClientScope(allowed: string | undefined, requested: readonly string[]): void {
  if (allowed === undefined) return;
  const permitted = new Set(allowed.split(" "));
  const refused = requested.filter((scope) => scope !== DEFAULT_SCOPE && !permitted.has(scope));
  if (refused.length > 0) throw invalidScope(`the client may not request scope "${refused[0]}"`);
}
