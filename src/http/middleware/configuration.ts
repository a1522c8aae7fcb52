import { createMiddleware } from "hono/factory";
import { configOf } from "../../config/config";
import type { AppEnv } from "../context";

/**
 * Puts the configuration and the issuer in `c.var`. A misconfigured variable fails every request,
 * naming it, whatever the endpoint (SPEC §3).
 */
export const configuration = createMiddleware<AppEnv>(async (c, next) => {
  const config = configOf(c.env);
  c.set("config", config);
  c.set("issuer", config.issuer ?? new URL(c.req.url).origin);
  await next();
});
