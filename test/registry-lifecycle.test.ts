import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { GrantObject } from "../src/grant-object/grant-object";
import { grantObjectName, type GrantKey } from "../src/grant-object/key";
import type { ClientRecord } from "../src/registry/client-record";
import { Projection } from "../src/registry/projection";
import { RevocationFanout } from "../src/registry/revocation-fanout";
import { ADMIN_BASIC, basic, call } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import {
  bindings,
  introspect,
  isActive,
  passwordParams,
  refreshRequest,
  registerClient,
  token,
  tokenRequest,
  type TestClient,
} from "./helpers/oauth";

const PATH = "/api/identity/oauth2/dcr/v1.1/register";
const STRONG = { INTROSPECTION_CONSISTENCY: "strong" };

function admin(path: string, method: string, body?: unknown) {
  return call(`${PATH}${path}`, {
    method,
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Sends an issue request straight to the key's grant object, as a Worker that authenticated the
 *  client under `clientEpoch` would (e.g. just before a secret rotation). */
function issueAsIfAuthenticatedAt(key: GrantKey, clientEpoch: number) {
  return bindings.GRANTS.getByName(grantObjectName(key)).issueTokens({
    key,
    subject: key.username,
    sessionId: null,
    tokenKey: "dGVzdC1ncmFudC10b2tlbi1rZXktMDEyMzQ1Njc4OQ",
    keyLimits: { perClient: 100_000, perUser: 1_000 },
    fence: { clientEpoch, userEpoch: 0 },
    grantType: "password",
    renewAccessToken: true,
    renewRefreshToken: true,
    issueRefreshToken: true,
    accessTokenLifetimeMs: 3_600_000,
    refreshTokenLifetimeMs: 86_400_000,
    issuer: "https://auth.example",
    accessTokenFormat: "opaque",
  });
}

/** Runs `action` while every grant object refuses the registry's revokeAll (an unreachable object). */
async function withUnreachableGrantObjects<T>(action: () => Promise<T>): Promise<{ result: T; attempts: number }> {
  const revokeAll = vi.spyOn(GrantObject.prototype, "revokeAll").mockRejectedValue(new Error("simulated unreachable grant object"));
  try {
    const result = await action();
    return { result, attempts: revokeAll.mock.calls.length };
  } finally {
    revokeAll.mockRestore();
  }
}

/** Resolves `done` once the registry has queued `count` projection writes of the client (each in the transaction of a change). */
function projectionWritesQueued(clientId: string, count: number): { done: Promise<void>; restore(): void } {
  let seen = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const original = Projection.prototype.putClient;
  const spy = vi.spyOn(Projection.prototype, "putClient").mockImplementation(function (this: Projection, client: ClientRecord) {
    original.call(this, client);
    if (client.client_id === clientId && ++seen === count) resolve();
  });
  return { done, restore: () => spy.mockRestore() };
}

/** Runs the registry's pending retry (projection writes, revocations) now, so it cannot fire during a later test. */
function settleRegistryAfterTest(): void {
  onTestFinished(async () => {
    await runDurableObjectAlarm(bindings.REGISTRY.getByName("registry"));
  });
}

async function rotateSecret(client: TestClient): Promise<TestClient> {
  const response = await admin(`/${client.id}/secret`, "POST");
  expect(response.status).toBe(200);
  const { client_secret } = await response.json<{ client_secret: string }>();
  return { ...client, secret: client_secret, authorization: basic(client.id, client_secret) };
}

async function expectDead(client: TestClient, issued: { access_token: string; refresh_token?: string }) {
  expect(await introspect(issued.access_token)).toEqual({ active: false });
  expect(await introspect(issued.access_token, { vars: STRONG })).toEqual({ active: false });
  if (issued.refresh_token) {
    expect(await isActive(issued.refresh_token, {}, "refresh_token")).toBe(false);
    expect((await refreshRequest(client, issued.refresh_token)).status).not.toBe(200);
  }
}

describe("RFC 7592 update (PUT)", () => {
  it("replaces name, grant types, scope and per-client settings; never returns the secret", async () => {
    const client = await registerClient(["password", "client_credentials", "refresh_token"], { scope: "a b" });
    const response = await admin(`/${client.id}`, "PUT", {
      client_id: client.id,
      client_name: "renamed",
      grant_types: ["client_credentials"],
      scope: "c",
      access_token_lifetime: 120,
    });
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({ client_id: client.id, client_name: "renamed", grant_types: ["client_credentials"], scope: "c", access_token_lifetime: 120 });
    expect(body).not.toHaveProperty("client_secret");
    expect(await (await admin(`/${client.id}`, "GET")).json()).toMatchObject({ client_name: "renamed" });

    // The new settings apply at once; the secret is unchanged.
    expect(await (await tokenRequest(client, passwordParams())).json()).toMatchObject({ error: "unauthorized_client" });
    expect(await (await tokenRequest(client, { grant_type: "client_credentials", scope: "a" })).json()).toMatchObject({ error: "invalid_scope" });
    expect(await token(client, { grant_type: "client_credentials", scope: "c" })).toMatchObject({ expires_in: 120 });
  });

  it("leaves tokens alive (an update is not a credential change)", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams());
    await admin(`/${client.id}`, "PUT", { client_name: "x", grant_types: ["password", "refresh_token"] });
    expect(await isActive(issued.access_token)).toBe(true);
  });

  it("validates like registration and refuses a mismatched client_id", async () => {
    const client = await registerClient();
    expect(await (await admin(`/${client.id}`, "PUT", { client_name: "x", grant_types: ["nope"] })).json()).toMatchObject({ error: "invalid_client_metadata" });
    const mismatch = await admin(`/${client.id}`, "PUT", { client_id: "other", client_name: "x", grant_types: ["password"] });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ error: "invalid_client_metadata" });
    expect((await admin("/unknown-client", "PUT", { client_name: "x", grant_types: ["password"] })).status).toBe(404);
  });
});

describe("secret rotation and deletion kill the client's tokens", () => {
  it("rotation: a new secret works, the old one fails, earlier tokens are dead at once", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("rotate"));
    const cc = await token(client, { grant_type: "client_credentials", scope: "rotate" });

    const response = await admin(`/${client.id}/secret`, "POST");
    expect(response.status).toBe(200);
    const { client_secret } = await response.json<{ client_secret: string }>();
    expect(client_secret).not.toBe(client.secret);

    expect((await tokenRequest(client, passwordParams())).status).toBe(401);
    const rotated = { ...client, secret: client_secret, authorization: basic(client.id, client_secret) };
    await expectDead(rotated, issued);
    await expectDead(rotated, cc);
    const fresh = await token(rotated, passwordParams("rotate"));
    expect(await isActive(fresh.access_token)).toBe(true);
  });

  it("deletion: tokens die in both introspection modes and refresh tokens fail", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("gone"));
    const other = await registerClient();
    const bystander = await token(other, passwordParams("gone"));
    expect((await admin(`/${client.id}`, "DELETE")).status).toBe(204);
    await expectDead(client, issued);
    expect(await isActive(bystander.access_token)).toBe(true);
  });

  it("revokes even when the registry's KV projection write fails (the fan-out needs no KV)", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("kv-down"));
    settleRegistryAfterTest(); // the failed projection write is retried from the alarm
    const { kv } = recordKv("REGISTRY_CACHE");
    kv.failing = true;
    const rotated = await admin(`/${client.id}/secret`, "POST");
    kv.failing = false;
    expect(rotated.status).toBe(200);
    expect(await isActive(issued.access_token, STRONG)).toBe(false);
    expect(await isActive(issued.access_token)).toBe(false);
  });

  it("a fan-out step that throws (a storage error, not an unreachable object) is retried from the alarm", async () => {
    const registry = bindings.REGISTRY.getByName("registry");
    await runDurableObjectAlarm(registry); // nothing earlier left to retry
    const client = await registerClient();
    const issued = await token(client, passwordParams("fanout-throws"));
    const process = vi.spyOn(RevocationFanout.prototype, "process").mockRejectedValueOnce(new Error("simulated storage failure"));
    try {
      expect((await admin(`/${client.id}/secret`, "POST")).status).toBe(200);
      expect(process).toHaveBeenCalledTimes(1);
    } finally {
      process.mockRestore();
    }
    // The grant object has not heard of the rotation yet; the alarm the failure armed tells it.
    expect(await isActive(issued.access_token, STRONG)).toBe(true);
    expect(await runInDurableObject(registry, (_r, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await runDurableObjectAlarm(registry)).toBe(true);
    expect(await isActive(issued.access_token, STRONG)).toBe(false);
  });

  it("when the fan-out cannot reach a grant object: old tokens still die on the next request, new ones survive the retry", async () => {
    const client = await registerClient();
    const old = await token(client, passwordParams("unreachable"));
    const { result: rotated, attempts } = await withUnreachableGrantObjects(() => rotateSecret(client));
    expect(attempts).toBeGreaterThan(0);

    // The old refresh token is refused even with the new secret: it was issued under the old one;
    // and that request, under the new secret, retires the old tokens in that object at once.
    expect(await isActive(old.access_token, STRONG)).toBe(true); // the fan-out did not reach it
    expect(await (await refreshRequest(rotated, old.refresh_token!)).json()).toMatchObject({ error: "invalid_grant" });
    expect(await isActive(old.access_token, STRONG)).toBe(false);
    expect(await isActive(old.refresh_token!, STRONG, "refresh_token")).toBe(false);
    const fresh = await token(rotated, passwordParams("unreachable"));
    // The registry's retry reaches the object later and leaves the new tokens alone.
    expect(await runDurableObjectAlarm(bindings.REGISTRY.getByName("registry"))).toBe(true);
    expect(await isActive(fresh.access_token, STRONG)).toBe(true);
    expect((await refreshRequest(rotated, fresh.refresh_token!)).status).toBe(200);
  });

  it("writes only the newest projection of a client when changes come in a burst", async () => {
    const client = await registerClient();
    const { kv } = recordKv("REGISTRY_CACHE");
    // The first projection write waits until all three changes are committed: they pile up behind it.
    const slow = kv.holdPuts(1);
    const queued = projectionWritesQueued(client.id, 3);
    let secrets: string[];
    try {
      const rotations = Promise.all(
        [1, 2, 3].map(async () => (await (await admin(`/${client.id}/secret`, "POST")).json<{ client_secret: string }>()).client_secret),
      );
      await queued.done;
      slow.release();
      secrets = await rotations;
    } finally {
      queued.restore();
    }
    expect(kv.puts.get(`c:${client.id}`)).toBe(2); // the first, then only the newest of the other two
    const cached = await bindings.REGISTRY_CACHE.get<{ epoch: number }>(`c:${client.id}`, "json");
    expect(cached!.epoch).toBe(4);
    // The projection holds the newest secret: exactly one of the three works.
    const statuses = await Promise.all(
      secrets.map(async (secret) => (await tokenRequest({ ...client, secret, authorization: basic(client.id, secret) }, passwordParams())).status),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  });

  it("a password grant under the new secret retires the old tokens of an object the fan-out missed", async () => {
    const client = await registerClient();
    const old = await token(client, passwordParams("missed"));
    settleRegistryAfterTest(); // the missed revocation is retried from the alarm
    const { result: rotated } = await withUnreachableGrantObjects(() => rotateSecret(client));
    expect(await isActive(old.access_token, STRONG)).toBe(true);
    const fresh = await token(rotated, passwordParams("missed"), { RENEW_TOKEN_PER_REQUEST: "false" });
    expect(fresh.access_token).not.toBe(old.access_token); // not reused: it was issued under the old secret
    expect(await isActive(old.access_token, STRONG)).toBe(false);
  });

  it("a grant object refuses a request authenticated before the rotation (no token slips through)", async () => {
    const client = await registerClient();
    const key = { clientId: client.id, username: "admin", scope: "fence" };
    await token(client, passwordParams("fence"));
    await admin(`/${client.id}/secret`, "POST");
    const stale = await issueAsIfAuthenticatedAt(key, 1);
    expect(stale).toMatchObject({ ok: false, error: "invalid_client" });
  });

  it("a new key's first request under stale credentials is refused by the registry index", async () => {
    const client = await registerClient();
    await admin(`/${client.id}/secret`, "POST");
    const key = { clientId: client.id, username: "admin", scope: "never-used" };
    const stale = await issueAsIfAuthenticatedAt(key, 1);
    expect(stale).toMatchObject({ ok: false, error: "invalid_client" });
  });
});
