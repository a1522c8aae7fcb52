/**
 * Redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1.3): which a client may register,
 * and whether a requested one matches a registered one.
 */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);
export const MAX_REDIRECT_URI_LENGTH = 2000;

/** Why a URI cannot be registered, or null when it can. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `must be at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(uri) || uri.includes("\\")) return "must be printable ASCII without spaces or backslashes";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "must be an absolute URI";
  }
  if (uri.includes("#")) return "must not contain a fragment";
  // The raw string must be the URI the browser is sent to: WHATWG parsing would turn
  // "https:host/cb" into "https://host/cb", a URI that was never registered.
  if ((url.protocol === "https:" || url.protocol === "http:") && !/^https?:\/\/[^/?#]/i.test(uri)) return "must be an absolute URI with an authority (scheme://host)";
  if (url.protocol === "https:") return url.hostname ? null : "must name a host";
  if (url.protocol === "http:") return LOOPBACK_HOSTS.has(url.hostname) ? null : "may use http only on a loopback host (127.0.0.1, [::1], localhost)";
  // RFC 8252 §7.1: private-use schemes are reverse domain names, e.g. com.example.app:/callback.
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol)) return null;
  return "must use https, http on a loopback host, or a private-use scheme such as com.example.app:";
}

/**
 * Whether `requested` is one of `registered`: simple string comparison, except that a loopback
 * http redirect may use any port (RFC 8252 §7.3), since native apps bind an ephemeral one.
 */
export function matchRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const loose = portless(requested);
  return loose !== null && registered.some((uri) => portless(uri) === loose);
}

/** A loopback http URI without its port, or null for any other URI. */
function portless(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname) || uri.includes("#")) return null;
  url.port = "";
  return url.href;
}
