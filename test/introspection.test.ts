import { describe, expect, it } from "vitest";
import { useTestClock } from "./helpers/clock";
import { ADMIN_BASIC, basic, call, form, FORM_TYPE } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import { introspect, passwordParams, registerClient, token } from "./helpers/oauth";

const STRONG = { INTROSPECTION_CONSISTENCY: "strong" };

const clock = useTestClock();

describe("POST /oauth2/introspect (RFC 7662)", () => {
  it("requires HTTP Basic of the administrator or a registered client", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    for (const authorization of [undefined, `Basic ${btoa("admin:wrong")}`, basic(client.id, "wrong"), "Bearer x"]) {
      const response = await call("/oauth2/introspect", {
        method: "POST",
        headers: { ...FORM_TYPE, ...(authorization ? { Authorization: authorization } : {}) },
        body: form({ token: issued.access_token }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
      expect(await response.json()).toMatchObject({ error: "invalid_client" });
    }
  });

  it("answers a registered client as well as the administrator", async () => {
    const issuer = await registerClient();
    const resourceServer = await registerClient(["client_credentials"]);
    const issued = await token(issuer, passwordParams());
    expect(await introspect(issued.access_token, { authorization: resourceServer.authorization })).toMatchObject({ active: true });
    expect(await introspect(issued.access_token, { authorization: ADMIN_BASIC })).toMatchObject({ active: true });
  });

  it("answers exactly {\"active\":false} for unknown, malformed and revoked tokens", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("gone"), { RENEW_TOKEN_PER_REQUEST: "true" });
    await token(client, passwordParams("gone"), { RENEW_TOKEN_PER_REQUEST: "true" });
    for (const value of [first.access_token, "unknown", "x".repeat(86), "ünïcode", first.access_token.slice(0, -1)]) {
      const response = await call("/oauth2/introspect", {
        method: "POST",
        headers: { ...FORM_TYPE, Authorization: ADMIN_BASIC },
        body: form({ token: value }),
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"active":false}');
    }
  });

  it("answers expired tokens as inactive", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("expiring"), { ACCESS_TOKEN_LIFETIME: "1" });
    // KV keeps the record (its own clock, and a 60 s minimum TTL); introspection compares `exp` with now().
    clock.advance(1100);
    expect(await introspect(issued.access_token)).toEqual({ active: false });
  });

  it("answers a refresh token only when the hint says refresh_token", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    expect(await introspect(issued.refresh_token!)).toEqual({ active: false });
    expect(await introspect(issued.refresh_token!, { hint: "refresh_token" })).toMatchObject({
      active: true,
      token_type: "refresh_token",
      client_id: client.id,
    });
    // A hint is only a hint: an access token is found whatever it says.
    expect(await introspect(issued.access_token, { hint: "refresh_token" })).toMatchObject({ active: true });
  });

  it("requires the token parameter", async () => {
    const response = await call("/oauth2/introspect", {
      method: "POST",
      headers: { ...FORM_TYPE, Authorization: ADMIN_BASIC },
      body: form({ token_type_hint: "access_token" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });

  it("strong mode confirms with the grant object while eventual mode trusts KV", async () => {
    const client = await registerClient();
    const renew = { RENEW_TOKEN_PER_REQUEST: "true" };
    const first = await token(client, passwordParams("strong"), renew);
    // KV writes now fail: the revocation of `first` is committed in the object but its KV
    // record stays in the outbox, as after a real KV outage.
    const { kv } = recordKv("TOKEN_STATUS");
    kv.failing = true;
    await token(client, passwordParams("strong"), renew);

    expect(await introspect(first.access_token)).toMatchObject({ active: true }); // KV is behind
    expect(await introspect(first.access_token, { vars: STRONG })).toEqual({ active: false });
  });

  it("strong mode still answers live tokens as active", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    expect(await introspect(issued.access_token, { vars: STRONG })).toMatchObject({ active: true });
  });
});
