/**
 * RFC 6749 §6: a refresh may ask for a narrower scope, never a wider one. Returns the normalised
 * scope string, or null when the request asks for something not originally granted.
 */
export function narrowScope(granted: string, requested: readonly string[]): string | null {
  const allowed = new Set(granted.split(" "));
  return requested.every((scope) => allowed.has(scope)) ? requested.join(" ") : null;
}
