/**
 * The server's failures. Inside a request a failure is thrown as an OAuthError; across RPC (a
 * Durable Object's answer) it travels as a `Failure` value, so it keeps its meaning, and becomes
 * an OAuthError again in `raise`. The HTTP status of every code is decided here, once; the body
 * is rendered in one place (http/render-error.ts).
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_client_metadata"
  | "invalid_redirect_uri"
  | "unsupported_response_type"
  | "access_denied"
  | "login_required"
  | "consent_required"
  | "invalid_token"
  | "insufficient_scope"
  | "invalid_dpop_proof"
  | "use_dpop_nonce"
  | "slow_down"
  | "not_found"
  | "conflict"
  | "server_error"
  | "temporarily_unavailable";

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  unsupported_response_type: 400,
  access_denied: 400,
  login_required: 400,
  consent_required: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  slow_down: 429,
  not_found: 404,
  conflict: 409,
  server_error: 500,
  temporarily_unavailable: 503,
};

/** RFC 6749 §5.2: 401 with a challenge, so HTTP clients know to retry with credentials. */
const BASIC_CHALLENGE = { "WWW-Authenticate": 'Basic realm="oauth2", charset="UTF-8"' };

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: number = STATUS[code],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${description}`);
    this.name = "OAuthError";
  }
}

/**
 * RFC 6749 §5.2 / §4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E, so quotes become
 * apostrophes and anything else outside printable ASCII a question mark.
 */
export function describable(description: string): string {
  return description.replace(/"/g, "'").replace(/\\/g, "/").replace(/[^\x20-\x7e]/g, "?");
}

/** A failure as a value: what a Durable Object answers instead of throwing across RPC. */
export interface Failure {
  ok: false;
  error: OAuthErrorCode;
  description: string;
}

export type Outcome<T> = { ok: true; value: T } | Failure;

export const failure = (error: OAuthErrorCode, description: string): Failure => ({ ok: false, error, description });
export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });

/** The one mapping from a failure value to the error thrown in the Worker. */
export function raise(failed: Failure): OAuthError {
  return failed.error === "invalid_client" ? invalidClient(failed.description) : new OAuthError(failed.error, failed.description);
}

/** The value of an outcome, or its failure thrown. */
export function valueOf<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw raise(outcome);
  return outcome.value;
}

/** Descriptions that more than one place gives, so they never drift apart. */
export const MESSAGES = {
  clientAuthFailed: "Client authentication failed.",
  userAuthFailed: "Authentication failed: wrong username or password.",
  refreshTokenInvalid: "The refresh token is invalid, expired or revoked.",
  refreshTokenOfOtherClient: "The refresh token was issued to another client.",
  refreshTokenReused: "The refresh token was already used; the grant is revoked.",
  grantLifetimeOver: "The grant has reached its maximum lifetime; sign in again.",
  scopeExceedsGrant: "The requested scope exceeds the scope originally granted.",
  busy: "the token service is busy; retry shortly",
} as const;

export const invalidRequest = (description: string, status = 400): OAuthError =>
  new OAuthError("invalid_request", description, status);

export const invalidClient = (description: string = MESSAGES.clientAuthFailed): OAuthError =>
  new OAuthError("invalid_client", description, 401, BASIC_CHALLENGE);

export const invalidGrant = (description: string): OAuthError => new OAuthError("invalid_grant", description);

export const unauthorizedClient = (description: string): OAuthError => new OAuthError("unauthorized_client", description);

export const unsupportedGrantType = (description: string): OAuthError => new OAuthError("unsupported_grant_type", description);

export const invalidScope = (description: string): OAuthError => new OAuthError("invalid_scope", description);

export const invalidClientMetadata = (description: string): OAuthError => new OAuthError("invalid_client_metadata", description);

export const notFound = (description: string): OAuthError => new OAuthError("not_found", description);

export const methodNotAllowed = (description: string): OAuthError => new OAuthError("invalid_request", description, 405);

/** Durable Object errors the runtime marks as transient (reset, network) or as overload. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const flags = error as { overloaded?: unknown; retryable?: unknown };
  return flags.overloaded === true || flags.retryable === true;
}

/** RFC 6750 §3: a bearer token error, with its challenge. */
export function bearerError(code: "invalid_request" | "invalid_token" | "insufficient_scope", description: string, scope?: string): OAuthError {
  const challenge = [`Bearer realm="oauth2"`, `error="${code}"`, `error_description="${description.replace(/["\\]/g, "")}"`];
  if (scope) challenge.push(`scope="${scope}"`);
  return new OAuthError(code, description, STATUS[code], { "WWW-Authenticate": challenge.join(", ") });
}

/** RFC 6750 §3.1: a request without any token gets the bare challenge, no error code. */
export const bearerRequired = (): OAuthError =>
  new OAuthError("invalid_token", "An access token is required.", 401, { "WWW-Authenticate": 'Bearer realm="oauth2"' });

export const temporarilyUnavailable = (description: string = MESSAGES.busy): OAuthError =>
  new OAuthError("temporarily_unavailable", description, 503, { "Retry-After": "1" });
