import type { Context } from "hono";
import type { Config } from "../config";

/** SPEC §3: ISSUER when set, else the origin the request came to. */
export function issuerOf(c: Context, config: Config): string {
  return config.issuer ?? new URL(c.req.url).origin;
}
