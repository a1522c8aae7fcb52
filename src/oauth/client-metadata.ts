import { MAX_LIFETIME } from "../config/config";
import { invalidClientMetadata, OAuthError } from "../protocol/errors";
import type { ClientMetadata } from "../registry/client-record";
import { hasControlCharacters } from "../text/characters";
import { isJsonObject, isStringArray } from "../text/json-value";
import { ACCESS_TOKEN_FORMATS } from "../tokens/generator";
import { SUPPORTED_GRANT_TYPES } from "./grant-types";
import { redirectUriProblem } from "./redirect-uri";
import { normaliseScope, scopeString } from "./scope";

const MAX_NAME_LENGTH = 256;
const MAX_REDIRECT_URIS = 20;
export const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"] as const;
/** Grants a public client (no secret) cannot use: they authenticate the client itself. */
const CONFIDENTIAL_ONLY = ["password", "client_credentials"];

/**
 * Validates an RFC 7591 §2 registration body. Unknown fields are ignored (§2: the server may
 * ignore metadata it does not understand); known ones must have the right shape.
 */
export function parseClientMetadata(body: unknown): ClientMetadata {
  if (!isJsonObject(body)) throw invalidClientMetadata("the request body must be a JSON object");
  const fields = body;
  const grants = grantTypes(fields.grant_types);
  const authMethod = tokenEndpointAuthMethod(fields.token_endpoint_auth_method);
  if (authMethod === "none") {
    const refused = grants.find((grant) => CONFIDENTIAL_ONLY.includes(grant));
    if (refused) throw invalidClientMetadata(`a public client (token_endpoint_auth_method "none") cannot use the ${refused} grant`);
  }
  const redirects = redirectUris(fields.redirect_uris, "redirect_uris");
  const logoutRedirects = redirectUris(fields.post_logout_redirect_uris, "post_logout_redirect_uris");
  if (grants.includes("authorization_code") && redirects.length === 0) {
    throw redirectError("redirect_uris is required for the authorization_code grant");
  }
  return {
    client_name: clientName(fields.client_name),
    grant_types: grants,
    token_endpoint_auth_method: authMethod,
    ...(redirects.length > 0 ? { redirect_uris: redirects } : {}),
    ...(logoutRedirects.length > 0 ? { post_logout_redirect_uris: logoutRedirects } : {}),
    ...flag("skip_consent", fields.skip_consent),
    ...flag("dpop_bound_access_tokens", fields.dpop_bound_access_tokens),
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
  if (!isStringArray(value) || value.length === 0) {
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
  return [...new Set(value)];
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

function tokenEndpointAuthMethod(value: unknown): (typeof AUTH_METHODS)[number] {
  if (value === undefined || value === null) return "client_secret_basic";
  const method = AUTH_METHODS.find((candidate) => candidate === value);
  if (!method) throw invalidClientMetadata(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(", ")}`);
  return method;
}

const redirectError = (description: string): OAuthError => new OAuthError("invalid_redirect_uri", description);

function redirectUris(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!isStringArray(value) || value.length > MAX_REDIRECT_URIS) {
    throw redirectError(`${field} must be an array of at most ${MAX_REDIRECT_URIS} strings`);
  }
  for (const uri of value) {
    const problem = redirectUriProblem(uri);
    if (problem) throw redirectError(`redirect URI ${JSON.stringify(uri.slice(0, 80))} ${problem}`);
  }
  return [...new Set(value)];
}

function flag<N extends string>(name: N, value: unknown): Partial<Record<N, boolean>> {
  if (value === undefined || value === null || value === false) return {};
  if (value !== true) throw invalidClientMetadata(`${name} must be true or false`);
  return { [name]: true } as Partial<Record<N, boolean>>;
}
