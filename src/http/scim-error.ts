import { OAuthError } from "../oauth/errors";

/**
 * The error type of the SCIM endpoints (RFC 7644 §3.12): the body is a SCIM Error message, not an
 * OAuth error. `http/respond.ts` turns it into a response, as it does OAuthError.
 */
export type ScimType = "uniqueness" | "invalidFilter" | "invalidValue" | "invalidPath" | "mutability" | "invalidSyntax" | "noTarget";

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.name = "ScimError";
  }
}

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export const invalidValue = (detail: string): ScimError => new ScimError(400, detail, "invalidValue");

/** Errors raised by shared code (authentication, body limits) keep their status inside SCIM. */
export function asScimError(error: unknown): unknown {
  if (error instanceof OAuthError && error.status < 500) {
    const scimType = error.status === 400 ? "invalidSyntax" : undefined;
    return new ScimError(error.status, error.description, scimType);
  }
  return error;
}
