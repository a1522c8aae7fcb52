import { createMiddleware } from "hono/factory";
import { requireAdministrator } from "../../oauth/caller-auth";
import { callerOf, type AppEnv } from "../context";

/** The admin plane (registration, SCIM, key rotation): the super administrator's HTTP Basic only. */
export const adminGuard = createMiddleware<AppEnv>(async (c, next) => {
  await requireAdministrator(callerOf(c), c.req.header("Authorization"));
  await next();
});
