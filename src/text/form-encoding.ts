/**
 * application/x-www-form-urlencoded decoding (WHATWG URL §5), strict: a malformed
 * percent-encoding or invalid UTF-8 is null, never a replacement character. Used for form bodies
 * and for the form-encoded client_id and client_secret inside HTTP Basic (RFC 6749 §2.3.1).
 */
export function formDecode(raw: string): string | null {
  // Tokens, ids and most values have nothing to decode (no regex, no decoder for them).
  if (!raw.includes("%") && !raw.includes("+")) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** The name/value pairs of a body in order, or null when one part does not decode. */
export function formPairs(body: string): [string, string][] | null {
  const pairs: [string, string][] = [];
  for (const part of body.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = formDecode(eq === -1 ? part : part.slice(0, eq));
    const value = formDecode(eq === -1 ? "" : part.slice(eq + 1));
    if (name === null || value === null) return null;
    pairs.push([name, value]);
  }
  return pairs;
}
