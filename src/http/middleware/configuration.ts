import { createMiddleware } from "hono/factory";
import { configOf } from "../../config/config";
import type { AppEnv } from "../context";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Puts the configuration and the issuer in `c.var`. A misconfigured variable fails every request,
 * naming it, whatever the endpoint (SPEC §3).
 */
export const configuration = createMiddleware<AppEnv>(async (c, next) => {
  const url = new URL(c.req.url);
  const config = configOf(c.env, LOOPBACK.has(url.hostname));
  c.set("config", config);
  c.set("issuer", config.issuer ?? url.origin);
  await next();
});
