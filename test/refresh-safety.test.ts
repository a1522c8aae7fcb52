import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { useTestClock } from "./helpers/clock";
import { ADMIN_BASIC, call } from "./helpers/http";
import { grantStub } from "./helpers/kv";
import { isActive, passwordParams, refreshRequest, registerClient, token, type TokenBody } from "./helpers/oauth";

const ROTATE = { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "true" };
const RETRY_10S = { ...ROTATE, REFRESH_TOKEN_REUSE_INTERVAL: "10" };

async function refresh(client: Awaited<ReturnType<typeof registerClient>>, refreshToken: string, vars: Record<string, string> = ROTATE) {
  const response = await refreshRequest(client, refreshToken, {}, vars);
  return { status: response.status, body: await response.json<TokenBody & { error?: string }>() };
}

const activeRefresh = (value: string) => isActive(value, {}, "refresh_token");

describe("refresh token reuse detection (SPEC §12)", () => {
  const clock = useTestClock();

  it("a rotated token presented again is invalid_grant and revokes the newest pair of its grant", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("reuse"));
    const second = (await refresh(client, first.refresh_token!)).body;
    const third = (await refresh(client, second.refresh_token!)).body;
    expect(await isActive(third.access_token)).toBe(true);
    // The thief replays the first refresh token.
    const replay = await refresh(client, first.refresh_token!);
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await isActive(third.access_token)).toBe(false);
    expect(await activeRefresh(third.refresh_token!)).toBe(false);
    expect((await refresh(client, third.refresh_token!)).status).toBe(400);
  });

  it("an unrelated later grant of the same key is untouched", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("lineage"), { RENEW_TOKEN_PER_REQUEST: "false" });
    await refresh(client, first.refresh_token!);
    // A new password grant with renewal on: a new lineage for the same key.
    const later = await token(client, passwordParams("lineage"), { RENEW_TOKEN_PER_REQUEST: "true" });
    expect((await refresh(client, first.refresh_token!)).status).toBe(400);
    expect(await isActive(later.access_token)).toBe(true);
    expect(await activeRefresh(later.refresh_token!)).toBe(true);
  });

  it("a token superseded by renewal per request (not rotated) is plain invalid_grant and revokes nothing", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("renewed"));
    const second = await token(client, passwordParams("renewed"));
    expect((await refresh(client, first.refresh_token!)).status).toBe(400);
    expect(await isActive(second.access_token)).toBe(true);
  });

  it("keeps a tombstone, hashed, until the rotated token would have expired", async () => {
    const scoped = await registerClient(["password", "refresh_token"], { refresh_token_lifetime: 120 });
    const first = await token(scoped, passwordParams("tomb"));
    const second = (await refresh(scoped, first.refresh_token!)).body;
    const key = { clientId: scoped.id, username: "admin", scope: "tomb" };
    const tombstones = () =>
      runInDurableObject(grantStub(key), (_: GrantObject, state) =>
        state.storage.sql.exec<{ hash: string; expires_at: number }>("SELECT hash, expires_at FROM refresh_tombstones").toArray(),
      );
    const stored = await tombstones();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(first.refresh_token!);
    clock.advance(60_000);
    const third = (await refresh(scoped, second.refresh_token!)).body;
    // Past the first token's own expiry (120 s) it is just an unknown token: nothing is revoked.
    clock.advance(61_000);
    expect((await refresh(scoped, first.refresh_token!)).body.error).toBe("invalid_grant");
    expect(await isActive(third.access_token)).toBe(true);
    // The next rotation collects the expired tombstone.
    await refresh(scoped, third.refresh_token!);
    expect((await tombstones()).some((row) => row.hash === stored[0]!.hash)).toBe(false);
  });
});

describe("REFRESH_TOKEN_REUSE_INTERVAL: a lost response (SPEC §12)", () => {
  const clock = useTestClock();

  it("within the interval the rotated token gets the same new pair again; after it, reuse detection", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("lost"));
    const rotated = await refresh(client, first.refresh_token!, RETRY_10S);
    clock.advance(5_000);
    const retried = await refresh(client, first.refresh_token!, RETRY_10S);
    expect(retried.status).toBe(200);
    expect(retried.body.access_token).toBe(rotated.body.access_token);
    expect(retried.body.refresh_token).toBe(rotated.body.refresh_token);
    expect(retried.body.expires_in).toBe(3595);
    expect(await isActive(rotated.body.access_token)).toBe(true);
    clock.advance(6_000);
    expect((await refresh(client, first.refresh_token!, RETRY_10S)).status).toBe(400);
    expect(await isActive(rotated.body.access_token)).toBe(false);
  });

  it("concurrent refreshes with one token: one rotation, everyone gets that same pair, one live pair", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("burst"));
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(client, first.refresh_token!, RETRY_10S)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);
    expect(await isActive(results[0]!.body.access_token)).toBe(true);
  });

  it("concurrent refreshes outside any interval (the default 0): one rotation, the rest invalid_grant, never two live pairs", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("burst0"));
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(client, first.refresh_token!)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const live = await Promise.all(ok.map((r) => isActive(r.body.access_token)));
    expect(live.filter(Boolean).length).toBeLessThanOrEqual(1);
  });

  it("with JWT access tokens the retry keeps the refresh token and replaces the access token (one live pair)", async () => {
    const client = await registerClient(["password", "refresh_token"], { access_token_format: "jwt" });
    const first = await token(client, passwordParams("jwt-retry"));
    const rotated = (await refresh(client, first.refresh_token!, RETRY_10S)).body;
    const retried = (await refresh(client, first.refresh_token!, RETRY_10S)).body;
    expect(retried.refresh_token).toBe(rotated.refresh_token);
    expect(await isActive(retried.access_token)).toBe(true);
    expect(await isActive(rotated.access_token)).toBe(false);
  });
});

describe("REFRESH_TOKEN_MAX_LIFETIME (SPEC §12)", () => {
  const clock = useTestClock();

  it("rotation never extends a grant beyond the cap from its first token", async () => {
    const vars = { ...ROTATE, REFRESH_TOKEN_MAX_LIFETIME: "7200" };
    const client = await registerClient();
    const first = await token(client, passwordParams("capped"));
    clock.advance(5_400_000); // 1.5 h
    const second = await refresh(client, first.refresh_token!, vars);
    expect(second.status).toBe(200);
    expect(second.body.expires_in).toBe(1800); // capped at the grant's end, not 3600
    clock.advance(1_800_000); // 2 h after the first token
    expect((await refresh(client, second.body.refresh_token!, vars)).body.error).toBe("invalid_grant");
  });
});

describe("a refresh re-checks the registration as it is now (SPEC §12)", () => {
  async function update(client: { id: string }, metadata: Record<string, unknown>) {
    const response = await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}`, {
      method: "PUT",
      headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "test app", ...metadata }),
    });
    expect(response.status).toBe(200);
  }

  it("a narrowed scope list refuses a refresh back to the old scopes", async () => {
    const client = await registerClient(["password", "refresh_token"], { scope: "read write" });
    const issued = await token(client, passwordParams("read write"));
    await update(client, { grant_types: ["password", "refresh_token"], scope: "read" });
    expect((await refresh(client, issued.refresh_token!)).body.error).toBe("invalid_scope");
    const narrowed = await refreshRequest(client, issued.refresh_token!, { scope: "read" }, ROTATE);
    expect(narrowed.status).toBe(200);
  });

  it("a grant type removed from the registration stops refreshes of grants it started", async () => {
    const client = await registerClient(["password", "client_credentials", "refresh_token"]);
    const issued = await token(client, passwordParams("gone"));
    await update(client, { grant_types: ["client_credentials", "refresh_token"] });
    expect((await refresh(client, issued.refresh_token!)).body.error).toBe("unauthorized_client");
  });
});
