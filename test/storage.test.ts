import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { grantObjectName, type GrantKey } from "../src/grant-object/key";
import { sha256 } from "../src/tokens/hash";
import { grantStub, recordKv } from "./helpers/kv";
import {
  bindings,
  isActive,
  passwordParams,
  refreshed,
  registerClient,
  revokeRequest,
  token,
} from "./helpers/oauth";

const RENEW = { RENEW_TOKEN_PER_REQUEST: "true" };
const REUSE = { RENEW_TOKEN_PER_REQUEST: "false" };
const ROTATE = { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "true" };
const KEEP = { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "false" };



async function kvKeys(): Promise<{ name: string; expiration?: number }[]> {
  return (await bindings.TOKEN_STATUS.list()).keys;
}

async function grantTables(key: GrantKey): Promise<string> {
  return runInDurableObject(grantStub(key), (_instance: GrantObject, state) => {
    const tables = ["meta", "access_tokens", "refresh_tokens", "outbox"];
    return tables.map((table) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM ${table}`).toArray())).join("\n");
  });
}

describe("storage rules (SPEC §6)", () => {
  it("routes each normalised key to its own Durable Object, and one key to one object", async () => {
    const before = new Set((await listDurableObjectIds(bindings.GRANTS)).map((id) => id.toString()));
    const client = await registerClient();
    await token(client, passwordParams("b a"));
    await token(client, passwordParams("a b a"));
    await token(client, passwordParams("c"));
    await token(client, { grant_type: "client_credentials", scope: "c" });

    const created = (await listDurableObjectIds(bindings.GRANTS)).map((id) => id.toString()).filter((id) => !before.has(id));
    const expected = [
      { clientId: client.id, username: "admin", scope: "a b" },
      { clientId: client.id, username: "admin", scope: "c" },
      { clientId: client.id, username: "", scope: "c" },
    ].map((key) => bindings.GRANTS.idFromName(grantObjectName(key)).toString());
    expect(created.sort()).toEqual(expected.sort());
  });

  it("carries the owning object's id in every token (routing without KV)", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("route"));
    const owner = bindings.GRANTS.idFromName(grantObjectName({ clientId: client.id, username: "admin", scope: "route" }));
    const embedded = Array.from(Uint8Array.from(atob(issued.access_token.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).subarray(0, 32), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    expect(embedded).toBe(owner.toString());
  });

  it("keys KV records by token hash and never stores a token in clear, in KV or in the object", async () => {
    const client = await registerClient();
    const key = { clientId: client.id, username: "admin", scope: "secret" };
    const first = await token(client, passwordParams("secret"), RENEW);
    const second = await token(client, passwordParams("secret"), RENEW);
    const keys = (await kvKeys()).map((k) => k.name);
    for (const key of keys) expect(key).toMatch(/^[tr]:[A-Za-z0-9_-]{43}$/);
    expect(keys).toContain(`t:${await sha256(second.access_token)}`);
    expect(keys).toContain(`r:${await sha256(first.access_token)}`);

    const values = (await Promise.all(keys.map((k) => bindings.TOKEN_STATUS.get(k)))).join("\n");
    const objectState = await grantTables(key);
    for (const value of [first.access_token, first.refresh_token!, second.access_token, second.refresh_token!]) {
      expect(values).not.toContain(value);
      expect(keys.join("\n")).not.toContain(value);
      expect(objectState).not.toContain(value);
    }
  });

  it("writes every KV key at most once, across renewals, reuse, refresh and revocation", async () => {
    const client = await registerClient();
    const { kv } = recordKv("TOKEN_STATUS");

    for (let i = 0; i < 5; i++) await token(client, passwordParams("counted"), RENEW);
    await Promise.all(Array.from({ length: 10 }, () => token(client, passwordParams("counted"), RENEW)));
    let last = await token(client, passwordParams("counted"), REUSE);
    last = await token(client, passwordParams("counted"), REUSE);
    expect(Math.max(...kv.puts.values())).toBe(1);
    // 15 renewals: 2 records for the first pair, then per renewal 2 new records + 2 revocations.
    expect(kv.puts.size).toBe(2 + 14 * 4);

    const rotated = await refreshed(client, last.refresh_token!, {}, ROTATE); // +2 records, +2 revocations
    const kept = await refreshed(client, rotated.refresh_token!, {}, KEEP); // +1 record, +1 revocation
    await refreshed(client, kept.refresh_token!, {}, KEEP); // +1 record, +1 revocation
    expect((await revokeRequest(client, kept.refresh_token!)).status).toBe(200); // +2 revocations
    expect((await revokeRequest(client, kept.refresh_token!)).status).toBe(200); // already gone: nothing
    expect(Math.max(...kv.puts.values())).toBe(1);
    expect(kv.puts.size).toBe(2 + 14 * 4 + 4 + 2 + 2 + 2);
  });

  it("costs two KV writes per client_credentials renewal", async () => {
    const client = await registerClient(["client_credentials"]);
    const { kv } = recordKv("TOKEN_STATUS");
    await token(client, { grant_type: "client_credentials" }, RENEW);
    const afterFirst = kv.puts.size;
    await token(client, { grant_type: "client_credentials" }, RENEW);
    expect(afterFirst).toBe(1);
    expect(kv.puts.size - afterFirst).toBe(2);
  });

  it("expires KV records with their token, never sooner than KV's 60 s minimum", async () => {
    const client = await registerClient();
    const now = Math.floor(Date.now() / 1000);
    const long = await token(client, passwordParams("ttl-long"));
    const short = await token(client, passwordParams("ttl-short"), { ACCESS_TOKEN_LIFETIME: "5" });
    const expirations = new Map((await kvKeys()).map((k) => [k.name, k.expiration ?? 0]));
    const expiry = async (value: string) => expirations.get(`t:${await sha256(value)}`)!;

    expect(Math.abs((await expiry(long.access_token)) - (now + 3600))).toBeLessThanOrEqual(2);
    expect(Math.abs((await expiry(long.refresh_token!)) - (now + 86400))).toBeLessThanOrEqual(2);
    expect(Math.abs((await expiry(short.access_token)) - (now + 60))).toBeLessThanOrEqual(2);
  });

  it("retries queued writes before handing a reused token back", async () => {
    const client = await registerClient();
    await token(client, passwordParams("reuse-queued"));
    const { kv } = recordKv("TOKEN_STATUS");
    kv.failing = true;
    const issued = await token(client, passwordParams("reuse-queued"), RENEW); // its records stay queued
    kv.failing = false;
    const reused = await token(client, passwordParams("reuse-queued"), REUSE);
    expect(reused.access_token).toBe(issued.access_token);
    expect(await isActive(reused.access_token)).toBe(true);
  });

  it("retries KV writes from the object's outbox after KV failed post-commit", async () => {
    const client = await registerClient();
    const key = { clientId: client.id, username: "admin", scope: "outbox" };
    const first = await token(client, passwordParams("outbox"), RENEW);
    const { kv } = recordKv("TOKEN_STATUS");
    kv.failing = true;

    // The object committed the renewal; only KV is behind.
    const second = await token(client, passwordParams("outbox"), RENEW);
    expect(await isActive(second.access_token)).toBe(false);
    expect(await isActive(first.access_token)).toBe(true);
    const pending = await runInDurableObject(grantStub(key), (_i: GrantObject, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n,
    );
    expect(pending).toBe(4);

    kv.failing = false;
    expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
    expect(await isActive(second.access_token)).toBe(true);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(first.refresh_token!, {}, "refresh_token")).toBe(false);
    expect(await grantTables(key)).not.toContain('"op":"put"');
    expect(Math.max(...kv.puts.values())).toBe(1);
  });
});
