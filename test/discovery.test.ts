import { customFetch, discoveryRequest, processDiscoveryResponse } from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { call, ORIGIN, type Vars } from "./helpers/http";

async function discover(issuer: string, algorithm: "oauth2" | "oidc", vars: Vars = {}) {
  const issuerUrl = new URL(issuer);
  const response = await discoveryRequest(issuerUrl, {
    algorithm,
    [customFetch]: (url: string, init: RequestInit) => call(new URL(url).pathname, init, vars),
  });
  return processDiscoveryResponse(issuerUrl, response);
}

describe("discovery (RFC 8414)", () => {
  for (const algorithm of ["oauth2", "oidc"] as const) {
    it(`passes oauth4webapi's ${algorithm} discovery processing with the request origin as issuer`, async () => {
      const metadata = await discover(ORIGIN, algorithm);
      expect(metadata).toMatchObject({
        issuer: ORIGIN,
        authorization_endpoint: `${ORIGIN}/oauth2/authorize`,
        token_endpoint: `${ORIGIN}/oauth2/token`,
        introspection_endpoint: `${ORIGIN}/oauth2/introspect`,
        revocation_endpoint: `${ORIGIN}/oauth2/revoke`,
        registration_endpoint: `${ORIGIN}/api/identity/oauth2/dcr/v1.1/register`,
        jwks_uri: `${ORIGIN}/oauth2/jwks`,
        grant_types_supported: ["password", "client_credentials", "refresh_token", "authorization_code"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
        introspection_endpoint_auth_methods_supported: ["client_secret_basic"],
        revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        authorization_response_iss_parameter_supported: true,
      });
    });
  }

  it("uses ISSUER when set, and a client that expects another issuer rejects it", async () => {
    const vars = { ISSUER: "https://id.example.com" };
    expect((await discover("https://id.example.com", "oauth2", vars)).token_endpoint).toBe("https://id.example.com/oauth2/token");
    await expect(discover(ORIGIN, "oauth2", vars)).rejects.toThrow();
  });

  it("serves the RFC 8414 document at its own path, and the OpenID Provider Metadata as a superset of it", async () => {
    const oauth = await (await call("/.well-known/oauth-authorization-server")).json<Record<string, unknown>>();
    const oidc = await (await call("/.well-known/openid-configuration")).json<Record<string, unknown>>();
    expect(oidc).toMatchObject(oauth);
    expect(oauth).not.toHaveProperty("userinfo_endpoint");
    expect(oidc).toMatchObject({
      userinfo_endpoint: `${ORIGIN}/oauth2/userinfo`,
      end_session_endpoint: `${ORIGIN}/oidc/logout`,
      id_token_signing_alg_values_supported: ["ES256"],
      subject_types_supported: ["public"],
      scopes_supported: ["openid", "profile", "email"],
    });
    expect(oidc.claims_supported).toEqual(expect.arrayContaining(["sub", "auth_time", "nonce", "sid", "name", "email"]));
  });

  it("answers 405 to other methods", async () => {
    expect((await call("/.well-known/openid-configuration", { method: "POST" })).status).toBe(405);
  });
});
