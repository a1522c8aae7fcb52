import { DPOP_ALGORITHMS } from "../../oauth/dpop";
import { SUPPORTED_GRANT_TYPES } from "../../oauth/grant-types";
import { CLAIMS_SUPPORTED, SCOPE_CLAIMS } from "../../oauth/user-claims";
import type { AppContext } from "../context";

const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"];
const CACHE = { "Cache-Control": "public, max-age=300" };

/** RFC 8414 §2: the authorization server's metadata. Scopes are free-form, so none are listed. */
function oauthMetadata(issuer: string): Record<string, unknown> {
  return {
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
    // Also here, not only in the OpenID document: a client reading RFC 8414 metadata would
    // otherwise assume RS256 for the ID Tokens the code exchange returns.
    id_token_signing_alg_values_supported: ["ES256"],
    dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
  };
}

/** GET /.well-known/oauth-authorization-server (RFC 8414). */
export function oauthDiscoveryEndpoint(c: AppContext): Response {
  return c.json(oauthMetadata(c.var.issuer), 200, CACHE);
}

/**
 * GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §3): the OAuth metadata
 * and what an OpenID Provider adds: userinfo, logout, ID Token algorithms, subjects, claims.
 */
export function openIdDiscoveryEndpoint(c: AppContext): Response {
  const { issuer } = c.var;
  return c.json(
    {
      ...oauthMetadata(issuer),
      userinfo_endpoint: `${issuer}/oauth2/userinfo`,
      end_session_endpoint: `${issuer}/oidc/logout`,
      scopes_supported: ["openid", ...Object.keys(SCOPE_CLAIMS)],
      claims_supported: CLAIMS_SUPPORTED,
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["ES256"],
      userinfo_signing_alg_values_supported: ["none"],
      prompt_values_supported: ["none", "login", "consent"],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    },
    200,
    CACHE,
  );
}
