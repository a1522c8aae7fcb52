import { invalidRequest } from "../protocol/errors";
import { printable } from "../text/characters";
import { formPairs } from "../text/form-encoding";

/** OAuth endpoint parameters: each name at most once (RFC 6749 §3.1). */
export type Parameters = ReadonlyMap<string, string>;

export const MAX_PARAMETER_LENGTH = 4096;

/**
 * Parses a form body strictly: malformed percent-encoding or UTF-8, a repeated parameter or an
 * oversized value is invalid_request (SPEC §7).
 */
export function parseParameters(body: string): Parameters {
  const pairs = formPairs(body);
  if (!pairs) throw invalidRequest("the request body is not valid application/x-www-form-urlencoded UTF-8");
  const params = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (params.has(name)) throw invalidRequest(`parameter ${printable(name)} is repeated`);
    if (value.length > MAX_PARAMETER_LENGTH) {
      throw invalidRequest(`parameter ${printable(name)} is longer than ${MAX_PARAMETER_LENGTH} characters`);
    }
    params.set(name, value);
  }
  return params;
}

/** A required parameter; missing or empty is invalid_request. */
export function required(params: Parameters, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === "") throw invalidRequest(`missing required parameter "${name}"`);
  return value;
}

/** Every named parameter present and non-empty, checked in order. */
export function requireAll(params: Parameters, names: readonly string[]): void {
  for (const name of names) required(params, name);
}
