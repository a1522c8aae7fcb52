import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";

/**
 * The browser cookies of the sign-in flow. `__Host-` cookies are Secure, host-only and Path=/
 * (browsers accept Secure cookies on http://localhost, so local development works).
 */
export const SESSION_COOKIE = "__Host-session";
export const CSRF_COOKIE = "__Host-csrf";

export function readCookie(c: Context, name: string): string | undefined {
  return getCookie(c, name);
}

/** The session: HttpOnly, SameSite=Lax so the client's top-level redirect to us carries it. */
export function setSessionCookie(c: Context, value: string, maxAgeSeconds: number): void {
  setCookie(c, SESSION_COOKIE, value, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: maxAgeSeconds });
}

/** The CSRF token's cookie half: only ever sent by our own pages' form posts. */
export function setCsrfCookie(c: Context, value: string): void {
  setCookie(c, CSRF_COOKIE, value, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
}
