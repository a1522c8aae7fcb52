import { SUPPORTED_GRANT_TYPES } from "../../oauth/grant-types";
import type { AppContext } from "../context";

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];

/**
 * GET /.well-known/oauth-authorization-server and /.well-known/openid-configuration (RFC 8414):
 * the same document at both, as WSO2 serves it. Scopes are free-form, so `scopes_supported` is
 * left out.
 */
export function discoveryEndpoint(c: AppContext): Response {
  const { issuer } = c.var;
  return c.json(
    {
      issuer,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      registration_endpoint: `${issuer}/api/identity/oauth2/dcr/v1.1/register`,
      jwks_uri: `${issuer}/oauth2/jwks`,
      grant_types_supported: SUPPORTED_GRANT_TYPES,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      // Public clients (SPEC §10) authenticate with their client_id alone.
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic"],
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, "none"],
      access_token_signing_alg_values_supported: ["ES256"],
    },
    200,
    { "Cache-Control": "public, max-age=300" },
  );
}
