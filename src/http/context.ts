import type { Context } from "hono";
import type { Config } from "../config/config";
import type { Env } from "../env";

/** What every request of the Worker carries: the bindings, and what the configuration middleware sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** SPEC §3, parsed and checked once per environment. */
    config: Config;
    /** ISSUER when set, else the origin the request came to. */
    issuer: string;
  };
}

export type AppContext = Context<AppEnv>;

/** The caller as the OAuth rules see it: bindings, configuration and the client IP. */
export function callerOf(c: Context<AppEnv>): { env: AppEnv["Bindings"]; config: Config; readonly ip: string } {
  // The address is only read when the administrator throttle needs it.
  return {
    env: c.env,
    config: c.var.config,
    get ip() {
      return c.req.header("CF-Connecting-IP") ?? "unknown";
    },
  };
}
