import { MAX_LIFETIME } from "../config/config";
import { invalidClientMetadata, OAuthError } from "../protocol/errors";
import type { ClientMetadata } from "../registry/client-record";
import { hasControlCharacters } from "../text/characters";
import { ACCESS_TOKEN_FORMATS } from "../tokens/generator";
import { SUPPORTED_GRANT_TYPES } from "./grant-types";
import { normaliseScope, scopeString } from "./scope";

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
    ...tokenFormat(fields.access_token_format),
    ...lifetime("access_token_lifetime", fields.access_token_lifetime),
    ...lifetime("refresh_token_lifetime", fields.refresh_token_lifetime),
  };
}

function clientName(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidClientMetadata("client_name is required and must be a non-empty string");
  }
  if (value.length > MAX_NAME_LENGTH || hasControlCharacters(value)) {
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

function tokenFormat(value: unknown): { access_token_format?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== "string" || !ACCESS_TOKEN_FORMATS.includes(value)) {
    throw invalidClientMetadata(`access_token_format must be one of ${ACCESS_TOKEN_FORMATS.join(", ")}`);
  }
  return { access_token_format: value };
}

function lifetime<N extends string>(name: N, value: unknown): Partial<Record<N, number>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_LIFETIME) {
    throw invalidClientMetadata(`${name} must be a whole number of seconds between 1 and ${MAX_LIFETIME}`);
  }
  return { [name]: value } as Partial<Record<N, number>>;
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
