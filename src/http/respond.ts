import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config";
import { OAuthError, invalidRequest } from "../oauth/errors";
import { SCIM_ERROR_SCHEMA, ScimError } from "./scim-error";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** Which error body an endpoint speaks: RFC 6749 §5.2 JSON, or an RFC 7644 §3.12 SCIM Error. */
export type ErrorShape = "oauth" | "scim";

/**
 * The one place an error becomes a response, in the shape of the endpoint it happened at, never
 * with a stack trace. Errors raised by shared code (authentication, body limits, routing, bugs)
 * keep their status on SCIM endpoints but take the SCIM shape.
 */
export function errorResponse(error: unknown, shape: ErrorShape = "oauth"): Response {
  if (error instanceof ScimError) return scimResponse(error);
  const oauth = toOAuthError(error);
  if (shape === "scim") return scimResponse(new ScimError(oauth.status, oauth.description, oauth.status === 400 ? "invalidSyntax" : undefined));
  return Response.json(
    { error: oauth.code, error_description: oauth.description },
    { status: oauth.status, headers: { ...NO_STORE, ...oauth.headers } },
  );
}

function scimResponse(error: ScimError): Response {
  return Response.json(
    { schemas: [SCIM_ERROR_SCHEMA], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.detail },
    { status: error.status, headers: { "Content-Type": "application/scim+json", ...NO_STORE, ...authenticateHeader(error.status) } },
  );
}

function authenticateHeader(status: number): Record<string, string> {
  return status === 401 ? { "WWW-Authenticate": 'Basic realm="oauth2", charset="UTF-8"' } : {};
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
