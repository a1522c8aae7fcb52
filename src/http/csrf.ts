import type { Context } from "hono";
import type { Parameters } from "../oauth/parameters";
import { OAuthError } from "../protocol/errors";
import { randomBytes, toBase64Url } from "../tokens/encoding";
import { digestsEqual } from "../tokens/hash";
import { CSRF_COOKIE, readCookie, setCsrfCookie } from "./cookies";

/**
 * CSRF protection of the login and consent forms (double submit): the page puts a random token in
 * a hidden field and in a `__Host-` cookie (SameSite=Strict, so another site's form post does not
 * carry it, and no subdomain can set it); a post is accepted only when both are present and equal.
 */
export function csrfToken(c: Context): string {
  const existing = readCookie(c, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = toBase64Url(randomBytes(32));
  setCsrfCookie(c, token);
  return token;
}

export function checkCsrf(c: Context, form: Parameters): void {
  const cookie = readCookie(c, CSRF_COOKIE);
  const field = form.get("csrf_token");
  if (!cookie || !field || !digestsEqual(cookie, field)) {
    throw new OAuthError("access_denied", "This form has expired or was sent from another site. Go back to the application and sign in again.", 403);
  }
}
