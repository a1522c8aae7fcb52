import { describe, expect, it } from "vitest";
import { basic } from "./helpers/http";
import { introspect, passwordParams, registerClient, token, tokenRequest } from "./helpers/oauth";

describe("POST /oauth2/token, grant_type=password (RFC 6749 §4.3)", () => {
  it("answers the SPEC §1 token shape with no-store headers", async () => {
    const client = await registerClient();
    const response = await tokenRequest(client, passwordParams("somescope"));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Pragma")).toBe("no-cache");
    const body = await response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "scope", "token_type"]);
    expect(body).toMatchObject({ scope: "somescope", token_type: "Bearer", expires_in: 3600 });
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it("introspects the access token with the RFC 7662 fields of a password grant", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("read write"));
    const answer = await introspect(issued.access_token);
    const now = Math.floor(Date.now() / 1000);
    expect(answer).toMatchObject({
      active: true,
      scope: "read write",
      client_id: client.id,
      username: "admin",
      token_type: "Bearer",
      sub: "admin",
      iss: "https://auth.example",
    });
    expect(answer.exp).toBe((answer.iat as number) + 3600);
    expect(answer.nbf).toBe(answer.iat);
    expect(Math.abs((answer.iat as number) - now)).toBeLessThanOrEqual(2);
    expect(answer.jti).toEqual(expect.any(String));
  });

  it("uses ISSUER when it is set", async () => {
    const client = await registerClient();
    const vars = { ISSUER: "https://id.example.com" };
    const issued = await token(client, passwordParams("iss"), vars);
    expect((await introspect(issued.access_token)).iss).toBe("https://id.example.com");
  });

  it("normalises scope: `b a` and `a b a` are one key, answered as `a b`", async () => {
    const client = await registerClient();
    const reuse = { RENEW_TOKEN_PER_REQUEST: "false" };
    const first = await token(client, passwordParams("b a"), reuse);
    const second = await token(client, passwordParams("a b a"), reuse);
    const third = await token(client, passwordParams("  a   b "), reuse);
    expect(first.scope).toBe("a b");
    expect(second.access_token).toBe(first.access_token);
    expect(third.access_token).toBe(first.access_token);
  });

  it("gives the scope `default` when none is requested", async () => {
    const client = await registerClient();
    expect((await token(client, passwordParams())).scope).toBe("default");
    expect((await token(client, passwordParams(""))).scope).toBe("default");
  });

  it("refuses a wrong password or unknown user with invalid_grant, without saying which", async () => {
    const client = await registerClient();
    for (const params of [
      { ...passwordParams(), password: "wrong" },
      { ...passwordParams(), username: "nobody" },
      { ...passwordParams(), username: "admin2" },
    ]) {
      const response = await tokenRequest(client, params);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: "invalid_grant",
        error_description: "Authentication failed: wrong username or password.",
      });
    }
  });

  it("matches the username case-insensitively and keys tokens by the canonical name", async () => {
    const client = await registerClient();
    const reuse = { RENEW_TOKEN_PER_REQUEST: "false" };
    const lower = await token(client, passwordParams("case"), reuse);
    const upper = await token(client, { ...passwordParams("case"), username: "ADMIN" }, reuse);
    expect(upper.access_token).toBe(lower.access_token);
    expect((await introspect(upper.access_token)).username).toBe("admin");
  });

  it("requires username and password", async () => {
    const client = await registerClient();
    for (const missing of ["username", "password"]) {
      const params = passwordParams();
      delete params[missing];
      const response = await tokenRequest(client, params);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining(missing) });
    }
  });

  it("is unauthorized_client for a client not registered for the password grant", async () => {
    const client = await registerClient(["client_credentials"]);
    const response = await tokenRequest(client, passwordParams());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "unauthorized_client" });
  });

  it("restricts a client registered with a scope list to those scopes", async () => {
    const client = await registerClient(["password"], { scope: "read write" });
    expect((await token(client, passwordParams("read"))).scope).toBe("read");
    const refused = await tokenRequest(client, passwordParams("read admin"));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_scope" });
  });

  it("accepts client_secret_post as well as client_secret_basic", async () => {
    const client = await registerClient();
    const response = await tokenRequest(
      { ...client, authorization: "" },
      { ...passwordParams("post"), client_id: client.id, client_secret: client.secret },
    );
    expect(response.status).toBe(200);
    // sanity: the Basic form of the same client works too
    expect((await tokenRequest({ ...client, authorization: basic(client.id, client.secret) }, passwordParams("post"))).status).toBe(200);
  });
});
