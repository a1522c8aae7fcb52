/**
 * The one error type of the server. Every failure a client can cause is an OAuthError;
 * `http/respond.ts` turns it into the RFC 6749 §5.2 JSON shape in a single place.
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_client_metadata"
  | "not_found"
  | "server_error"
  | "temporarily_unavailable";

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: number = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${description}`);
    this.name = "OAuthError";
  }
}

export const invalidRequest = (description: string, status = 400): OAuthError =>
  new OAuthError("invalid_request", description, status);

/** RFC 6749 §5.2: 401 with a challenge, so HTTP clients know to retry with credentials. */
export const invalidClient = (description = "Client authentication failed."): OAuthError =>
  new OAuthError("invalid_client", description, 401, {
    "WWW-Authenticate": 'Basic realm="oauth2", charset="UTF-8"',
  });

export const invalidGrant = (description: string): OAuthError =>
  new OAuthError("invalid_grant", description);

export const unauthorizedClient = (description: string): OAuthError =>
  new OAuthError("unauthorized_client", description);

export const unsupportedGrantType = (description: string): OAuthError =>
  new OAuthError("unsupported_grant_type", description);

export const invalidScope = (description: string): OAuthError =>
  new OAuthError("invalid_scope", description);

export const invalidClientMetadata = (description: string): OAuthError =>
  new OAuthError("invalid_client_metadata", description);

export const notFound = (description: string): OAuthError =>
  new OAuthError("not_found", description, 404);

export const serverError = (description: string): OAuthError =>
  new OAuthError("server_error", description, 500);

export const temporarilyUnavailable = (description: string): OAuthError =>
  new OAuthError("temporarily_unavailable", description, 503, { "Retry-After": "1" });
