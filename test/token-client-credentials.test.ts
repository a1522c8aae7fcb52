import { describe, expect, it } from "vitest";
import { introspect, registerClient, token, tokenRequest } from "./helpers/oauth";

describe("POST /oauth2/token, grant_type=client_credentials (RFC 6749 §4.4)", () => {
  it("issues an access token and no refresh token", async () => {
    const client = await registerClient(["client_credentials"]);
    const response = await tokenRequest(client, { grant_type: "client_credentials", scope: "api" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "scope", "token_type"]);
    expect(body).toMatchObject({ scope: "api", token_type: "Bearer", expires_in: 3600 });
  });

  it("has the client as subject and no username", async () => {
    const client = await registerClient(["client_credentials"]);
    const issued = await token(client, { grant_type: "client_credentials" });
    const answer = await introspect(issued.access_token);
    expect(answer).toMatchObject({ active: true, sub: client.id, client_id: client.id, scope: "default" });
    expect(answer).not.toHaveProperty("username");
  });

  it("is unauthorized_client for a client registered only for password", async () => {
    const client = await registerClient(["password"]);
    const response = await tokenRequest(client, { grant_type: "client_credentials" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "unauthorized_client" });
  });

  it("keys tokens per client: two clients never share a token", async () => {
    const reuse = { RENEW_TOKEN_PER_REQUEST: "false" };
    const [a, b] = [await registerClient(["client_credentials"]), await registerClient(["client_credentials"])];
    const ta = await token(a, { grant_type: "client_credentials" }, reuse);
    const tb = await token(b, { grant_type: "client_credentials" }, reuse);
    expect(ta.access_token).not.toBe(tb.access_token);
  });
});
