import { SIGNIN_CSS } from "../pages/styles";
import type { AppContext } from "../context";

/** GET /assets/signin.css: the sign-in pages' only stylesheet (their CSP allows no inline style). */
export function stylesheetEndpoint(c: AppContext): Response {
  return c.body(SIGNIN_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff" });
}
