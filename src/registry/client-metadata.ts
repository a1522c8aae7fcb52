import { SUPPORTED_GRANT_TYPES } from "../grants";
import { invalidClientMetadata } from "../oauth/errors";
import { normaliseScope, scopeString } from "../oauth/scope";
import { OAuthError } from "../oauth/errors";
import type { ClientMetadata } from "./client";

const MAX_NAME_LENGTH = 256;

/**
 * Validates an RFC 7591 §2 registration body. Unknown fields are ignored (§2: the server may
 * ignore metadata it does not understand); known ones must have the right shape.
 */
export function parseClientMetadata(body: unknown): ClientMetadata {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidClientMetadata("the request body must be a JSON object");
  }
  const fields = body as Record<string, unknown>;
  return {
    client_name: clientName(fields.client_name),
    grant_types: grantTypes(fields.grant_types),
    ...scope(fields.scope),
  };
}

function clientName(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidClientMetadata("client_name is required and must be a non-empty string");
  }
  if (value.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidClientMetadata(`client_name must be at most ${MAX_NAME_LENGTH} characters, without control characters`);
  }
  return value;
}

function grantTypes(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === "string")) {
    throw invalidClientMetadata(
      `grant_types is required: a non-empty array of ${SUPPORTED_GRANT_TYPES.map((g) => `"${g}"`).join(", ")}`,
    );
  }
  const unsupported = value.find((grant) => !SUPPORTED_GRANT_TYPES.includes(grant));
  if (unsupported !== undefined) {
    throw invalidClientMetadata(
      `grant type ${JSON.stringify(unsupported).slice(0, 80)} is not supported; use ${SUPPORTED_GRANT_TYPES.join(", ")}`,
    );
  }
  return [...new Set(value as string[])];
}

function scope(value: unknown): { scope?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== "string" || value.length > 4096) {
    throw invalidClientMetadata("scope must be a space-separated string of scope values");
  }
  try {
    return value.trim() === "" ? {} : { scope: scopeString(normaliseScope(value)) };
  } catch (error) {
    if (error instanceof OAuthError) throw invalidClientMetadata(`scope: ${error.description}`);
    throw error;
  }
}
