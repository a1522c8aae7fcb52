import type { MiddlewareHandler } from "hono";
import type { AppContext, AppEnv } from "./context";
import { stylesheetEndpoint } from "./endpoints/assets";
import { authorizationEndpoint } from "./endpoints/authorize";
import { consentEndpoint } from "./endpoints/consent";
import { oauthDiscoveryEndpoint, openIdDiscoveryEndpoint } from "./endpoints/discovery";
import { loginEndpoint } from "./endpoints/login";
import { logoutEndpoint } from "./endpoints/logout";
import { introspectionEndpoint } from "./endpoints/introspect";
import { jwksEndpoint } from "./endpoints/jwks";
import { deleteClient, readClient, registerClient, rotateClientSecret, updateClient } from "./endpoints/registration";
import { revocationEndpoint } from "./endpoints/revoke";
import { createUser, deleteUser, listUsers, patchUser, readUser } from "./endpoints/scim-users";
import { rotateSigningKeyEndpoint } from "./endpoints/signing-keys";
import { tokenEndpoint } from "./endpoints/token";
import { userInfoEndpoint } from "./endpoints/userinfo";
import { adminCsrf } from "./middleware/admin-csrf";
import { adminGuard } from "./middleware/admin-guard";
import { noStore } from "./middleware/no-store";
import type { ErrorShape } from "./render-error";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Handler = (c: AppContext) => Response | Promise<Response>;

/** One path of the Worker: its handlers per method, what runs before them, its error shape. */
export interface Route {
  path: string;
  methods: Partial<Record<Method, Handler>>;
  middleware: MiddlewareHandler<AppEnv>[];
  shape: ErrorShape;
}

const REGISTER = "/api/identity/oauth2/dcr/v1.1/register";

/** Answers that carry tokens, secrets or token status: never cached (RFC 6749 §5.1). */
const oauth = (path: string, methods: Route["methods"]): Route => ({ path, methods, middleware: [noStore], shape: "oauth" });
const admin = (path: string, methods: Route["methods"], shape: ErrorShape = "oauth"): Route => ({
  path,
  methods,
  // adminCsrf after the guard: an unauthenticated request is a 401 whatever it looks like.
  middleware: [noStore, adminGuard, adminCsrf],
  shape,
});
const open = (path: string, methods: Route["methods"]): Route => ({ path, methods, middleware: [], shape: "oauth" });
/** Pages a person sees: errors are HTML pages, never JSON; nothing is cached (noStore). */
const page = (path: string, methods: Route["methods"]): Route => ({ path, methods, middleware: [noStore], shape: "page" });

/** Every endpoint (SPEC §4). The app registers these and answers 405 with `Allow` for other methods. */
export const ROUTES: readonly Route[] = [
  page("/oauth2/authorize", { GET: authorizationEndpoint, POST: authorizationEndpoint }),
  page("/oauth2/login", { POST: loginEndpoint }),
  page("/oauth2/consent", { POST: consentEndpoint }),
  page("/oidc/logout", { GET: logoutEndpoint, POST: logoutEndpoint }),
  open("/assets/signin.css", { GET: stylesheetEndpoint }),
  oauth("/oauth2/token", { POST: tokenEndpoint }),
  oauth("/oauth2/introspect", { POST: introspectionEndpoint }),
  oauth("/oauth2/userinfo", { GET: userInfoEndpoint, POST: userInfoEndpoint }),
  oauth("/oauth2/revoke", { POST: revocationEndpoint }),
  open("/oauth2/jwks", { GET: jwksEndpoint }),
  open("/.well-known/oauth-authorization-server", { GET: oauthDiscoveryEndpoint }),
  open("/.well-known/openid-configuration", { GET: openIdDiscoveryEndpoint }),
  admin(REGISTER, { POST: registerClient }),
  admin(`${REGISTER}/:clientId`, { GET: readClient, PUT: updateClient, DELETE: deleteClient }),
  admin(`${REGISTER}/:clientId/secret`, { POST: rotateClientSecret }),
  admin("/api/signing-keys/rotate", { POST: rotateSigningKeyEndpoint }),
  admin("/scim2/Users", { GET: listUsers, POST: createUser }, "scim"),
  admin("/scim2/Users/:id", { GET: readUser, PATCH: patchUser, DELETE: deleteUser }, "scim"),
];
