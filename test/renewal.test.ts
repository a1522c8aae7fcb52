import { describe, expect, it } from "vitest";
import { useTestClock } from "./helpers/clock";
import { introspect, isActive, passwordParams, registerClient, token, tokenRequest } from "./helpers/oauth";

const RENEW = { RENEW_TOKEN_PER_REQUEST: "true" };
const REUSE = { RENEW_TOKEN_PER_REQUEST: "false" };

const clock = useTestClock();

describe("RENEW_TOKEN_PER_REQUEST=true (SPEC §5.2)", () => {
  it("revokes the key's pair and issues a new one on every request", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("somescope"), RENEW);
    const second = await token(client, passwordParams("somescope"), RENEW);

    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second).toMatchObject({ scope: "somescope", token_type: "Bearer", expires_in: 3600 });
    expect(await introspect(first.access_token)).toEqual({ active: false });
    expect(await isActive(first.refresh_token!, {}, "refresh_token")).toBe(false);
    expect(await isActive(second.access_token)).toBe(true);
    expect(await isActive(second.refresh_token!, {}, "refresh_token")).toBe(true);
  });

  it("leaves other keys of the same client alone", async () => {
    const client = await registerClient();
    const a = await token(client, passwordParams("a"), RENEW);
    const b = await token(client, passwordParams("b"), RENEW);
    await token(client, passwordParams("a"), RENEW);
    expect(await isActive(a.access_token)).toBe(false);
    expect(await isActive(b.access_token)).toBe(true);
  });

  it("applies to client_credentials too", async () => {
    const client = await registerClient(["client_credentials"]);
    const first = await token(client, { grant_type: "client_credentials" }, RENEW);
    const second = await token(client, { grant_type: "client_credentials" }, RENEW);
    expect(second.access_token).not.toBe(first.access_token);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(second.access_token)).toBe(true);
  });
});

describe("RENEW_TOKEN_PER_REQUEST=false (SPEC §5.2)", () => {
  it("returns the same pair with the whole seconds left", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("somescope"), REUSE);
    clock.advance(1500);
    const second = await token(client, passwordParams("somescope"), REUSE);

    expect(second.access_token).toBe(first.access_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(first.expires_in).toBe(3600);
    // 1.5 s later: 3598.5 seconds left, rounded down.
    expect(second.expires_in).toBe(3598);
    expect(await isActive(first.access_token, REUSE)).toBe(true);
  });

  it("is also the default when the variable is unset", async () => {
    const client = await registerClient();
    const unset = { RENEW_TOKEN_PER_REQUEST: undefined };
    const first = await token(client, passwordParams(), unset);
    const second = await token(client, passwordParams(), unset);
    expect(second.access_token).toBe(first.access_token);
  });

  it("issues a new access token but keeps the refresh token when only the access token expired", async () => {
    const client = await registerClient();
    const vars = { ...REUSE, ACCESS_TOKEN_LIFETIME: "2" };
    const first = await token(client, passwordParams("short"), vars);
    expect(first.expires_in).toBe(2);
    clock.advance(1100); // one second or less left counts as expired
    const second = await token(client, passwordParams("short"), vars);

    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(second.expires_in).toBe(2);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(second.refresh_token!, {}, "refresh_token")).toBe(true);
  });

  it("issues a new pair when the refresh token would not outlive the new access token", async () => {
    const client = await registerClient();
    const vars = { ...REUSE, ACCESS_TOKEN_LIFETIME: "3", REFRESH_TOKEN_LIFETIME: "2" };
    const first = await token(client, passwordParams("both"), vars);
    clock.advance(1100); // refresh token has < 1 s left: the pair is unusable
    const second = await token(client, passwordParams("both"), vars);

    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(first.refresh_token!, {}, "refresh_token")).toBe(false);
  });

  it("returns a token issued by one grant type to another grant type of the same key", async () => {
    // The key is (client, user, scopes); grant type is not part of it. For client_credentials the
    // user is empty, so a second client_credentials request is that same key.
    const client = await registerClient(["client_credentials"]);
    const first = await token(client, { grant_type: "client_credentials", scope: "x" }, REUSE);
    const second = await token(client, { grant_type: "client_credentials", scope: "x" }, REUSE);
    expect(second.access_token).toBe(first.access_token);
    expect(second.refresh_token).toBeUndefined();
  });
});

describe("a failed request changes no token (SPEC §5.2)", () => {
  for (const [name, params] of [
    ["wrong password", { ...passwordParams("keep"), password: "wrong" }],
    ["missing username", { grant_type: "password", password: "admin", scope: "keep" }],
    ["bad scope", { ...passwordParams(), scope: "keep\u0001" }],
  ] as const) {
    it(`${name}: the active pair stays active`, async () => {
      const client = await registerClient();
      const issued = await token(client, passwordParams("keep"), RENEW);
      const failed = await tokenRequest(client, params, RENEW);
      expect(failed.status).toBe(400);
      expect(await isActive(issued.access_token)).toBe(true);
      expect(await isActive(issued.refresh_token!, {}, "refresh_token")).toBe(true);
    });
  }

  it("wrong client secret: the active pair stays active", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("keep"), RENEW);
    const failed = await tokenRequest({ ...client, authorization: `Basic ${btoa(`${client.id}:nope`)}` }, passwordParams("keep"), RENEW);
    expect(failed.status).toBe(401);
    expect(await isActive(issued.access_token)).toBe(true);
  });
});
