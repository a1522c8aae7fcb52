import { describe, expect, it } from "vitest";
import { call, FORM_TYPE, form } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import {
  introspect,
  isActive,
  passwordParams,
  refreshRequest,
  registerClient,
  revokeRequest,
  token,
} from "./helpers/oauth";

const activeRefresh = (value: string, vars = {}) => isActive(value, vars, "refresh_token");

describe("POST /oauth2/revoke (RFC 7009, SPEC §5.3)", () => {
  it("revoking the access token revokes the pair", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    const response = await revokeRequest(client, issued.access_token);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(response.headers.get("Cache-Control")).toBe("no-store");

    expect(await introspect(issued.access_token)).toEqual({ active: false });
    expect(await activeRefresh(issued.refresh_token!)).toBe(false);
    expect((await refreshRequest(client, issued.refresh_token!)).status).toBe(400);
  });

  it("revoking the refresh token revokes the pair", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    expect((await revokeRequest(client, issued.refresh_token!)).status).toBe(200);
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await activeRefresh(issued.refresh_token!)).toBe(false);
    expect(await (await refreshRequest(client, issued.refresh_token!)).json()).toMatchObject({ error: "invalid_grant" });
  });

  it("treats token_type_hint as a hint only", async () => {
    const client = await registerClient();
    const a = await token(client, passwordParams("hint-a"));
    const b = await token(client, passwordParams("hint-b"));
    expect((await revokeRequest(client, a.refresh_token!, "access_token")).status).toBe(200);
    expect((await revokeRequest(client, b.access_token, "refresh_token")).status).toBe(200);
    expect((await revokeRequest(client, b.access_token, "no_such_hint")).status).toBe(200);
    for (const value of [a.access_token, b.access_token]) expect(await isActive(value)).toBe(false);
  });

  it("answers 200 for unknown, malformed and already revoked tokens", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    await revokeRequest(client, issued.access_token);
    for (const value of ["unknown", "x".repeat(86), issued.access_token, "ü"]) {
      const response = await revokeRequest(client, value);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("");
    }
  });

  it("refuses another client's token with 400 unauthorized_client and leaves it active", async () => {
    const owner = await registerClient();
    const other = await registerClient();
    const issued = await token(owner, passwordParams());
    for (const value of [issued.access_token, issued.refresh_token!]) {
      const response = await revokeRequest(other, value);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "unauthorized_client" });
    }
    expect(await isActive(issued.access_token)).toBe(true);
    expect(await activeRefresh(issued.refresh_token!)).toBe(true);
  });

  it("requires client authentication and the token parameter", async () => {
    const client = await registerClient();
    const unauthenticated = await call("/oauth2/revoke", { method: "POST", headers: FORM_TYPE, body: form({ token: "x" }) });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
    const missing = await call("/oauth2/revoke", {
      method: "POST",
      headers: { ...FORM_TYPE, Authorization: client.authorization },
      body: form({ token_type_hint: "access_token" }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
  });

  it("is visible at once in strong mode even while KV lags", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("lagging"));
    const { kv } = recordKv("TOKEN_STATUS");
    kv.failing = true;
    expect((await revokeRequest(client, issued.access_token)).status).toBe(200);

    const strong = { INTROSPECTION_CONSISTENCY: "strong" };
    expect(await isActive(issued.access_token)).toBe(true); // KV has not heard yet
    expect(await isActive(issued.access_token, strong)).toBe(false);
    expect(await activeRefresh(issued.refresh_token!, strong)).toBe(false);
    expect((await refreshRequest(client, issued.refresh_token!)).status).toBe(400); // decided by the object
  });

  it("only revokes the pair: the key's later tokens and other keys are untouched", async () => {
    const client = await registerClient();
    const a = await token(client, passwordParams("pair-a"));
    const b = await token(client, passwordParams("pair-b"));
    await revokeRequest(client, a.access_token);
    expect(await isActive(b.access_token)).toBe(true);
    const again = await token(client, passwordParams("pair-a"));
    expect(await isActive(again.access_token)).toBe(true);
  });
});
