
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
