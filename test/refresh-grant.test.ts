import { describe, expect, it } from "vitest";
import { toBase64Url } from "../src/tokens/encoding";
import { useTestClock } from "./helpers/clock";
import {
  introspect,
  isActive,
  passwordParams,
  refreshed,
  refreshRequest,
  registerClient,
  revokeRequest,
  token,
  type TokenBody,
} from "./helpers/oauth";

const ROTATE = { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "true" };
const KEEP = { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "false" };

const clock = useTestClock();

async function expectError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await response.json()).toMatchObject({ error, error_description: expect.any(String) });
}

const activeRefresh = (value: string) => isActive(value, {}, "refresh_token");

describe("grant_type=refresh_token (SPEC §5.4)", () => {
  it("rotation on (default): new access and refresh token; the old ones stop working", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("read write"));
    const response = await refreshRequest(client, first.refresh_token!, {}, ROTATE);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Pragma")).toBe("no-cache");
    const second = await response.json<TokenBody>();

    expect(second).toMatchObject({ scope: "read write", token_type: "Bearer", expires_in: 3600 });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await activeRefresh(first.refresh_token!)).toBe(false);
    expect(await isActive(second.access_token)).toBe(true);
    expect(await activeRefresh(second.refresh_token!)).toBe(true);
    // the new refresh token works in turn
    const third = await refreshed(client, second.refresh_token!);
    expect(third.access_token).not.toBe(second.access_token);
    await expectError(await refreshRequest(client, first.refresh_token!), 400, "invalid_grant");
    // SPEC §12: presenting a rotated token again is reuse, and the whole grant dies with it.
    expect(await isActive(third.access_token)).toBe(false);
    expect(await activeRefresh(third.refresh_token!)).toBe(false);
  });

  it("rotation is also the default when the variable is unset", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams());
    const second = await refreshed(client, first.refresh_token!, {}, { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: undefined });
    expect(second.refresh_token).not.toBe(first.refresh_token);
  });

  it("rotation off: the same refresh token comes back with its original expiry; the old access token dies", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("keep"));
    const before = await introspect(first.refresh_token!, { hint: "refresh_token" });
    clock.advance(1100); // a refresh token issued now would expire a second later than the first
    const second = await refreshed(client, first.refresh_token!, {}, KEEP);
    const third = await refreshed(client, first.refresh_token!, {}, KEEP);

    expect(second.refresh_token).toBe(first.refresh_token);
    expect(third.refresh_token).toBe(first.refresh_token);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(second.access_token)).toBe(false);
    expect(await isActive(third.access_token)).toBe(true);
    const after = await introspect(first.refresh_token!, { hint: "refresh_token" });
    expect(after.exp).toBe(before.exp);
  });

  it("kills the previous access token even when it had time left, and records the grant type", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams());
    const second = await refreshed(client, first.refresh_token!);
    expect(await introspect(first.access_token)).toEqual({ active: false });
    expect(await introspect(second.access_token)).toMatchObject({ active: true, username: "admin", client_id: client.id });
  });

  it("narrows the scope to a subset, and the narrowed grant can be widened back to the original", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("a b c"));
    const narrow = await refreshed(client, first.refresh_token!, { scope: "c a" });
    expect(narrow.scope).toBe("a c");
    expect(await introspect(narrow.access_token)).toMatchObject({ active: true, scope: "a c" });
    // RFC 6749 §6: the refresh token keeps the original grant's scope.
    const back = await refreshed(client, narrow.refresh_token!, { scope: "a b c" });
    expect(back.scope).toBe("a b c");
  });

  it("refuses a wider scope with invalid_scope and changes nothing", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("a"));
    await expectError(await refreshRequest(client, first.refresh_token!, { scope: "a b" }), 400, "invalid_scope");
    expect(await isActive(first.access_token)).toBe(true);
    expect(await activeRefresh(first.refresh_token!)).toBe(true);
  });

  it("is invalid_grant for another client's refresh token, and the token stays usable", async () => {
    const owner = await registerClient();
    const thief = await registerClient();
    const issued = await token(owner, passwordParams());
    await expectError(await refreshRequest(thief, issued.refresh_token!), 400, "invalid_grant");
    expect(await isActive(issued.access_token)).toBe(true);
    expect(await activeRefresh(issued.refresh_token!)).toBe(true);
    expect((await refreshRequest(owner, issued.refresh_token!)).status).toBe(200);
  });

  it("is invalid_grant for a revoked refresh token", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    expect((await revokeRequest(client, issued.refresh_token!)).status).toBe(200);
    await expectError(await refreshRequest(client, issued.refresh_token!), 400, "invalid_grant");
  });

  it("is invalid_grant for a refresh token superseded by a renewal (RENEW_TOKEN_PER_REQUEST)", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams(), { RENEW_TOKEN_PER_REQUEST: "true" });
    await token(client, passwordParams(), { RENEW_TOKEN_PER_REQUEST: "true" });
    await expectError(await refreshRequest(client, first.refresh_token!), 400, "invalid_grant");
  });

  it("is invalid_grant for an expired refresh token", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams(), { REFRESH_TOKEN_LIFETIME: "2" });
    clock.advance(1100); // one second or less left counts as expired
    await expectError(await refreshRequest(client, issued.refresh_token!), 400, "invalid_grant");
  });

  it("is invalid_grant for unknown and malformed refresh tokens, and for an access token", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    const forgedOwner = toBase64Url(crypto.getRandomValues(new Uint8Array(64)));
    const forgedMac = issued.refresh_token!.slice(0, 60) + "A".repeat(26);
    for (const value of ["nope", "x".repeat(86), forgedOwner, forgedMac, issued.access_token, "é".repeat(10)]) {
      await expectError(await refreshRequest(client, value), 400, "invalid_grant");
    }
    expect(await isActive(issued.access_token)).toBe(true);
  });

  it("requires the refresh_token parameter", async () => {
    const client = await registerClient();
    const response = await refreshRequest(client, "");
    await expectError(response, 400, "invalid_request");
  });

  it("is unauthorized_client for a client not registered for refresh_token", async () => {
    const client = await registerClient(["password"]);
    const issued = await token(client, passwordParams());
    await expectError(await refreshRequest(client, issued.refresh_token!), 400, "unauthorized_client");
    expect(await isActive(issued.access_token)).toBe(true);
  });

  it("client_credentials issues no refresh token", async () => {
    const client = await registerClient();
    expect((await token(client, { grant_type: "client_credentials" })).refresh_token).toBeUndefined();
  });
});

describe("concurrent refresh requests with one refresh token (real concurrent requests)", () => {
  it("rotation on: exactly one of 20 rotates; the other 19 are reuse (SPEC §12), so no pair of the grant stays live", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("race"));
    const responses = await Promise.all(Array.from({ length: 20 }, () => refreshRequest(client, issued.refresh_token!, {}, ROTATE)));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const failed of responses.filter((r) => r.status !== 200)) {
      expect(failed.status).toBe(400);
      expect(await failed.json()).toMatchObject({ error: "invalid_grant" });
    }
    const winner = await ok[0]!.json<TokenBody>();
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await isActive(winner.access_token)).toBe(false);
    expect(await activeRefresh(winner.refresh_token!)).toBe(false);
  });

  it("rotation off: all 20 succeed and exactly one access token is active", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("race-keep"));
    const results = await Promise.all(Array.from({ length: 20 }, () => refreshed(client, issued.refresh_token!, {}, KEEP)));
    expect(new Set(results.map((r) => r.refresh_token))).toEqual(new Set([issued.refresh_token]));
    const tokens = [issued.access_token, ...results.map((r) => r.access_token)];
    const active = (await Promise.all(tokens.map((t) => isActive(t)))).filter(Boolean);
    expect(active).toHaveLength(1);
  });
});
