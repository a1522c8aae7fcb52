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

  it("serves the same document at both well-known paths", async () => {
    const a = await (await call("/.well-known/oauth-authorization-server")).json();
    const b = await (await call("/.well-known/openid-configuration")).json();
    expect(a).toEqual(b);
  });

  it("answers 405 to other methods", async () => {
    expect((await call("/.well-known/openid-configuration", { method: "POST" })).status).toBe(405);
  });
});
