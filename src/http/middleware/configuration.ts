import { createMiddleware } from "hono/factory";
import { configOf } from "../../config/config";
import type { AppEnv } from "../context";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Puts the configuration and the issuer in `c.var`. A misconfigured variable fails every request,
 * naming it, whatever the endpoint (SPEC §3).
 */
export const configuration = createMiddleware<AppEnv>(async (c, next) => {
  const origin = originOf(c.req.url);
  const config = configOf(c.env, LOOPBACK.has(hostnameOf(origin)));
  c.set("config", config);
  c.set("issuer", config.issuer ?? origin);
  await next();
});

/**
 * `scheme://host[:port]` of a request URL, which the runtime hands over already normalised (as
 * `new URL(url).origin` would give it; that parse costs more than the rest of this middleware).
 */
export function originOf(url: string): string {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  return path === -1 ? url : url.slice(0, path);
}

/** The host of an origin without its port (an IPv6 literal keeps its brackets). */
export function hostnameOf(origin: string): string {
  const host = origin.slice(origin.indexOf("//") + 2);
  const port = host.lastIndexOf(":");
  return port > host.lastIndexOf("]") ? host.slice(0, port) : host;
}
