import type { Context } from "hono";
import { invalidRequest } from "../oauth/errors";
import { readTextBody } from "./body";

/** OAuth endpoint parameters: each name at most once (RFC 6749 §3.1). */
export type FormParams = ReadonlyMap<string, string>;

export const MAX_PARAMETER_LENGTH = 4096;

/**
 * Reads an application/x-www-form-urlencoded body strictly: wrong content type, malformed
 * percent-encoding, invalid UTF-8, a repeated parameter or an oversized value is invalid_request.
 * (The 64 KiB body limit is enforced before this by the bodyLimit middleware.)
 */
export async function readForm(c: Context): Promise<FormParams> {
  return parseForm(await readTextBody(c, ["application/x-www-form-urlencoded"], invalidRequest));
}

export function parseForm(body: string): FormParams {
  const params = new Map<string, string>();
  if (body === "") return params;
  for (const pair of body.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? "" : pair.slice(eq + 1));
    if (params.has(name)) throw invalidRequest(`parameter ${printable(name)} is repeated`);
    if (value.length > MAX_PARAMETER_LENGTH) {
      throw invalidRequest(`parameter ${printable(name)} is longer than ${MAX_PARAMETER_LENGTH} characters`);
    }
    params.set(name, value);
  }
  return params;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    throw invalidRequest("the request body is not valid application/x-www-form-urlencoded UTF-8");
  }
}

/** A parameter name safe to echo in an error description. */
function printable(name: string): string {
  return /^[\x21-\x7e]{1,64}$/.test(name) ? `"${name}"` : "(unprintable name)";
}

/** A required parameter; missing or empty is invalid_request. */
export function required(form: FormParams, name: string): string {
  const value = form.get(name);
  if (value === undefined || value === "") throw invalidRequest(`missing required parameter "${name}"`);
  return value;
}

/** RFC 6749 Appendix A VSCHAR: printable ASCII, for ids, secrets and tokens. */
export function isVisibleAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

/** RFC 6749 Appendix A UNICODECHARNOCRLF, minus the other control characters: for usernames and passwords. */
export function hasControlCharacters(value: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(value);
}
