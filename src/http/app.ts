import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { methodNotAllowed, notFound } from "../protocol/errors";
import { ScimError } from "../scim/errors";
import type { AppEnv } from "./context";
import { configuration } from "./middleware/configuration";
import { errorResponse, tooLarge, type ErrorShape } from "./render-error";
import { ROUTES, type Method, type Route } from "./routes";

const MAX_BODY_BYTES = 64 * 1024;

/** The Worker's HTTP surface, built from the route table. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", configuration);
  app.use("*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw tooLarge(); } }));
  for (const route of ROUTES) register(app, route);
  app.notFound((c) => errorResponse(notFound("no such endpoint"), shapeOf(c.req.path)));
  app.onError((error, c) => errorResponse(error, shapeOf(c.req.path)));
  return app;
}

function register(app: Hono<AppEnv>, route: Route): void {
  const allowed = Object.keys(route.methods) as Method[];
  // Each middleware as its own handler of the route (Hono runs them in order), not combined.
  for (const method of allowed) {
    for (const middleware of route.middleware) app.on(method, route.path, middleware);
    app.on(method, route.path, route.methods[method]!);
  }
  // Any other method on a known path is 405 with an Allow header, not 404.
  app.all(route.path, async () => {
    const message = `use ${allowed.join(" or ")} on this endpoint`;
    const response = await errorResponse(route.shape === "scim" ? new ScimError(405, message) : methodNotAllowed(message), route.shape);
    response.headers.set("Allow", allowed.join(", "));
    return response;
  });
}

/** Errors on the SCIM endpoints answer as SCIM Error messages, wherever they were raised. */
function shapeOf(path: string): ErrorShape {
  const route = ROUTES.find((candidate) => candidate.path === path);
  if (route) return route.shape;
  return path.startsWith("/scim2/") ? "scim" : "oauth";
}
