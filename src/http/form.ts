import type { Context } from "hono";
import { parseParameters, type Parameters } from "../oauth/parameters";
import { invalidRequest } from "../protocol/errors";
import { readTextBody } from "./body";

/**
 * Reads an OAuth endpoint's application/x-www-form-urlencoded body strictly (SPEC §7). The 64 KiB
 * limit is enforced before this by the bodyLimit middleware.
 */
export async function readForm(c: Context): Promise<Parameters> {
  return parseParameters(await readTextBody(c, ["application/x-www-form-urlencoded"], invalidRequest));
}
