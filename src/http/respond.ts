import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import { OAuthError, invalidRequest } from "../oauth/errors";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** The one place an error becomes a response: RFC 6749 §5.2 JSON, never a stack trace. */
export function errorResponse(error: unknown): Response {
  const oauth = toOAuthError(error);
  return Response.json(
    { error: oauth.code, error_description: oauth.description },
    { status: oauth.status, headers: { ...NO_STORE, ...oauth.headers } },
  );
}

function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof HTTPException && error.status === 413) {
    return invalidRequest("the request body is larger than 64 KiB", 413);
  }
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    return new OAuthError("server_error", `server misconfigured: ${error.message}`, 500);
  }
  // Only the error's class and message are logged: no request data, so no token or secret.
  console.error("unexpected error:", error instanceof Error ? `${error.name}: ${error.message}` : "non-Error thrown");
  return new OAuthError("server_error", "internal server error", 500);
}

/** A token response (RFC 6749 §5.1): JSON that no cache may keep. */
export function noStoreJson(c: Context, body: Record<string, unknown>, status: 200 | 201 = 200): Response {
  return c.json(body, status, NO_STORE);
}
