import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { NO_STORE_HEADERS } from "../middleware/no-store";

/**
 * Headers of every sign-in page: a strict CSP (no script at all, styles only from this origin,
 * forms only to this origin and to the client's redirect URI, which Chrome checks on the redirect
 * after a form post), no framing (clickjacking), no caching, no referrer.
 */
export function pageHeaders(formTargets: readonly string[] = []): Record<string, string> {
  const formAction = ["'self'", ...formTargets].join(" ");
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; style-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    ...NO_STORE_HEADERS,
  };
}

/** The CSP source that allows a redirect to `uri`: its origin, or its scheme for a private-use URI. */
export function formTargetOf(uri: string): string {
  const url = new URL(uri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}

/** A page as the response, through the context so cookies set on it go along. */
export async function renderPage(c: Context, page: JSX.Element, status: 200 | 400 | 403, formTargets: readonly string[] = []): Promise<Response> {
  return c.html(`<!doctype html>${await page.toString()}`, status, pageHeaders(formTargets));
}

/** A page without a request context (the error renderer's). */
export async function pageResponse(page: JSX.Element, status: number, extra: Record<string, string> = {}): Promise<Response> {
  // Only the error's Retry-After goes along: a page is never an authentication challenge.
  const retryAfter = extra["Retry-After"];
  return new Response(`<!doctype html>${await page.toString()}`, { status, headers: { ...pageHeaders(), ...(retryAfter ? { "Retry-After": retryAfter } : {}) } });
}
