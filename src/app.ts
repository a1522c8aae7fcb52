import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { configOf } from "./config";
import type { Env } from "./env";
import { discoveryEndpoint } from "./http/discovery";
import { introspectionEndpoint } from "./http/introspect";
import { jwksEndpoint } from "./http/jwks";
import { rotateSigningKeyEndpoint } from "./http/signing-keys";
import { registration } from "./http/register";
import { revocationEndpoint } from "./http/revoke";
import { scimUsers } from "./http/scim";
import { errorResponse, type ErrorShape } from "./http/respond";
import { ScimError } from "./http/scim-error";
import { tokenEndpoint } from "./http/token";
import { OAuthError, invalidRequest, notFound } from "./oauth/errors";

const MAX_BODY_BYTES = 64 * 1024;
const REGISTER_PATH = "/api/identity/oauth2/dcr/v1.1/register";

/** The Worker's HTTP surface: routes only; each endpoint's module holds its HTTP shape. */
export function createApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();

  // SPEC §3: a misconfigured variable fails every request, naming it, whatever the endpoint.
  app.use("*", async (c, next) => {
    configOf(c.env);
    await next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw invalidRequest("the request body is larger than 64 KiB", 413);
      },
    }),
  );

  app.post("/oauth2/token", tokenEndpoint);
  app.post("/oauth2/introspect", introspectionEndpoint);
  app.post("/oauth2/revoke", revocationEndpoint);
  app.route(REGISTER_PATH, registration);
  app.route("/scim2/Users", scimUsers);
  app.get("/oauth2/jwks", jwksEndpoint);
  app.get("/.well-known/oauth-authorization-server", discoveryEndpoint);
  app.get("/.well-known/openid-configuration", discoveryEndpoint);
  app.post("/api/signing-keys/rotate", rotateSigningKeyEndpoint);

  allowOnly(app, "/oauth2/token", ["POST"]);
  allowOnly(app, "/oauth2/introspect", ["POST"]);
  allowOnly(app, "/oauth2/revoke", ["POST"]);
  allowOnly(app, REGISTER_PATH, ["POST"]);
  allowOnly(app, `${REGISTER_PATH}/:clientId`, ["GET", "PUT", "DELETE"]);
  allowOnly(app, `${REGISTER_PATH}/:clientId/secret`, ["POST"]);
  allowOnly(app, "/oauth2/jwks", ["GET"]);
  allowOnly(app, "/.well-known/oauth-authorization-server", ["GET"]);
  allowOnly(app, "/.well-known/openid-configuration", ["GET"]);
  allowOnly(app, "/api/signing-keys/rotate", ["POST"]);
  allowOnly(app, "/scim2/Users", ["GET", "POST"], scimMethodError);
  allowOnly(app, "/scim2/Users/:id", ["GET", "PATCH", "DELETE"], scimMethodError);

  app.notFound((c) => errorResponse(notFound("no such endpoint"), shapeOf(c.req.path)));
  app.onError((error, c) => errorResponse(error, shapeOf(c.req.path)));
  return app;
}

/** Any other method on a known path is 405 with an Allow header, not 404. */
function allowOnly(
  app: Hono<{ Bindings: Env }>,
  path: string,
  methods: string[],
  toError: (message: string) => OAuthError | ScimError = oauthMethodError,
): void {
  app.all(path, () => {
    const response = errorResponse(toError(`use ${methods.join(" or ")} on this endpoint`));
    response.headers.set("Allow", methods.join(", "));
    return response;
  });
}

/** Errors on the SCIM endpoints answer as SCIM Error messages, wherever they were raised. */
function shapeOf(path: string): ErrorShape {
  return path.startsWith("/scim2/") ? "scim" : "oauth";
}

const oauthMethodError = (message: string) => new OAuthError("invalid_request", message, 405);
const scimMethodError = (message: string) => new ScimError(405, message);
