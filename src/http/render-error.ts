import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config/config";
import { describable, invalidRequest, OAuthError } from "../protocol/errors";
import { SCIM_ERROR_SCHEMA, ScimError } from "../scim/errors";
import { NO_STORE_HEADERS } from "./middleware/no-store";
import { ErrorPage } from "./pages/error-page";
import { pageResponse } from "./pages/render";

const PAGE_TITLES: Partial<Record<OAuthError["code"], string>> = {
  invalid_client: "Unknown application",
  invalid_redirect_uri: "This sign-in link cannot be used",
  access_denied: "This form has expired",
  not_found: "Page not found",
  server_error: "Something went wrong",
  temporarily_unavailable: "Try again in a moment",
};

/** The error page a browser shows: the status and description of the error, in words. */
export function errorPage(error: OAuthError): Promise<Response> {
  const page = ErrorPage({ title: PAGE_TITLES[error.code] ?? "This sign-in request is not valid", message: error.description, code: error.code });
  // A page is no HTTP authentication challenge: a 401 would need WWW-Authenticate (RFC 9110 §15.5.2).
  return pageResponse(page, error.status === 401 ? 400 : error.status, error.headers);
}

/**
 * Which error body an endpoint speaks: RFC 6749 §5.2 JSON, an RFC 7644 §3.12 SCIM Error, or an
 * HTML page where a person's browser is on the other end (the sign-in pages).
 */
export type ErrorShape = "oauth" | "scim" | "page";

/**
 * The one place an error becomes a response, in the shape of the endpoint it happened at, never
 * with a stack trace. Errors raised by shared code (authentication, body limits, routing, bugs)
 * keep their status on SCIM endpoints but take the SCIM shape.
 */
export function errorResponse(error: unknown, shape: ErrorShape = "oauth"): Response | Promise<Response> {
  if (error instanceof ScimError) return scimResponse(error);
  const oauth = toOAuthError(error);
  if (shape === "page") return errorPage(oauth);
  if (shape === "scim") return scimResponse(scimErrorOf(oauth));
  return Response.json(
    { error: oauth.code, error_description: describable(oauth.description) },
    { status: oauth.status, headers: { ...NO_STORE_HEADERS, ...oauth.headers } },
  );
}

function scimErrorOf(error: OAuthError): ScimError {
  if (error.code === "conflict") return new ScimError(409, error.description, "uniqueness");
  return new ScimError(error.status, error.description, error.status === 400 ? "invalidSyntax" : undefined);
}

function scimResponse(error: ScimError): Response {
  return Response.json(
    { schemas: [SCIM_ERROR_SCHEMA], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.detail },
    {
      status: error.status,
      headers: { "Content-Type": "application/scim+json", ...NO_STORE_HEADERS, ...(error.status === 401 ? BASIC_CHALLENGE : {}) },
    },
  );
}

const BASIC_CHALLENGE = { "WWW-Authenticate": 'Basic realm="oauth2", charset="UTF-8"' };

function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof HTTPException && error.status === 413) return tooLarge();
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    return new OAuthError("server_error", `server misconfigured: ${error.message}`);
  }
  // Only the error's class and message are logged: no request data, so no token or secret.
  console.error("unexpected error:", error instanceof Error ? `${error.name}: ${error.message}` : "non-Error thrown");
  return new OAuthError("server_error", "internal server error");
}

export const tooLarge = (): OAuthError => invalidRequest("the request body is larger than 64 KiB", 413);
