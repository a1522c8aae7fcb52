import { createMiddleware } from "hono/factory";
import { invalidRequest } from "../../protocol/errors";
import type { AppEnv } from "../context";

/** Methods that change state; GET (and HEAD) on the admin plane only read. */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** JSON media types: a browser sends a cross-site request with one only after a CORS preflight. */
const JSON_TYPES = new Set(["application/json", "application/scim+json"]);

/** The explicit header a caller without a body may send instead (any value). */
export const CSRF_HEADER = "X-Requested-With";

/**
 * CSRF on the admin plane (SPEC §14). A browser that cached the administrator's HTTP Basic
 * credentials sends them with any request to this origin, also one another site makes it send;
 * but another site can only make *simple* requests (a form post, a body-less or text/plain fetch)
 * without a CORS preflight, and this Worker answers no preflight. So every state-changing admin
 * request must be non-simple: `Content-Type: application/json` (or `application/scim+json`), with
 * or without a body, or an `X-Requested-With` header. Anything else is refused before the handler
 * runs, so it changes nothing. Runs after the admin guard (unauthenticated requests stay 401).
 */
export const adminCsrf = createMiddleware<AppEnv>(async (c, next) => {
  if (STATE_CHANGING.has(c.req.method) && !isNonSimple(c.req.header("Content-Type"), c.req.header(CSRF_HEADER))) {
    throw invalidRequest(
      `a state-changing admin request needs Content-Type: application/json (application/scim+json for SCIM) or an ${CSRF_HEADER} header`,
    );
  }
  await next();
});

function isNonSimple(contentType: string | undefined, requestedWith: string | undefined): boolean {
  if (requestedWith !== undefined) return true;
  // The media type's essence, as a browser's CORS check sees it: parameters (charset) do not count.
  const essence = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return JSON_TYPES.has(essence);
}
