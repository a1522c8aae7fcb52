import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { COLLECTION_SLACK_MS, IndexCollection } from "../src/grant-object/index-collection";
import { GrantMeta } from "../src/grant-object/meta";
import { TokenRows } from "../src/grant-object/token-rows";
import { Outbox } from "../src/store/outbox";
import { TokenAnswers } from "../src/grant-object/token-answers";
import { grantObjectName, type GrantKey } from "../src/grant-object/key";
import { RegistryObject } from "../src/registry/registry-object";
import { useTestClock } from "./helpers/clock";
import { ADMIN_BASIC, call } from "./helpers/http";
import { grantStub, recordKv } from "./helpers/kv";
import { ownTables } from "./helpers/sqlite";
import { bindings, isActive, registerClient, token, tokenRequest, type TestClient } from "./helpers/oauth";

/** SPEC §14, bounded growth: a grant object with nothing usable leaves the registry's grant index. */
const clock = useTestClock();
const SHORT = { ACCESS_TOKEN_LIFETIME: "60", REFRESH_TOKEN_LIFETIME: "120", RENEW_TOKEN_PER_REQUEST: "true" };
const strong = { INTROSPECTION_CONSISTENCY: "strong" };

const keyOf = (client: TestClient, scope: string): GrantKey => ({ clientId: client.id, username: "", scope });

function registry(): DurableObjectStub<RegistryObject> {
  return bindings.REGISTRY.getByName("registry");
}

/** The grant index row of a key's object, and its client's key count, read in the registry. */
async function indexOf(client: TestClient, key: GrantKey): Promise<{ indexed: boolean; clientKeys: number }> {
  const objectId = bindings.GRANTS.idFromName(grantObjectName(key)).toString();
  return runInDurableObject(registry(), (_r: RegistryObject, state) => ({
    indexed: state.storage.sql.exec("SELECT 1 FROM grant_index WHERE object_id = ?", objectId).toArray().length === 1,
    clientKeys: state.storage.sql.exec<{ n: number }>("SELECT n FROM key_counts WHERE owner = ?", `c:${client.id}`).toArray()[0]?.n ?? 0,
  }));
}

/** A collection over an object's own storage, as its constructor builds it. */
function collectionOf(state: DurableObjectState): IndexCollection {
  const { sql } = state.storage;
  return new IndexCollection(state, bindings, { rows: new TokenRows(sql), meta: new GrantMeta(sql), outbox: new Outbox(sql, () => bindings.TOKEN_STATUS) });
}

function alarmOf(key: GrantKey): Promise<number | null> {
  return runInDurableObject(grantStub(key), (_g: GrantObject, state) => state.storage.getAlarm());
}

function rowsOf(key: GrantKey): Promise<number> {
  return runInDurableObject(grantStub(key), (_g: GrantObject, state) =>
    ["access_tokens", "refresh_tokens", "codes", "refresh_tombstones", "outbox"]
      .map((table) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n)
      .reduce((a, b) => a + b, 0),
  );
}

describe("grant-index collection (SPEC §14)", () => {
  it("an object whose tokens all expired leaves the index and forgets its rows; the key's next request joins again", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "collect");
    await token(client, { grant_type: "client_credentials", scope: "collect" }, SHORT);
    expect(await indexOf(client, key)).toEqual({ indexed: true, clientKeys: 1 });
    // The first request armed the check for when its tokens could have expired.
    expect(await alarmOf(key)).toBe(clock.now() + 120_000 + COLLECTION_SLACK_MS);

    // (client_credentials has no refresh token: the access token's minute is all that can be used.)
    clock.advance(60_000 + COLLECTION_SLACK_MS - 1);
    await runInDurableObject(grantStub(key), (object: GrantObject) => object.alarm()); // a moment too early
    expect((await indexOf(client, key)).indexed).toBe(true);
    clock.advance(60_000);
    expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
    expect(await indexOf(client, key)).toEqual({ indexed: false, clientKeys: 0 });
    expect(await rowsOf(key)).toBe(0);

    // The key is usable again, and indexed again: a secret rotation reaches its new token.
    const again = await token(client, { grant_type: "client_credentials", scope: "collect" }, SHORT);
    expect(await indexOf(client, key)).toEqual({ indexed: true, clientKeys: 1 });
    const rotated = await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}/secret`, {
      method: "POST",
      headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    });
    expect(rotated.status).toBe(200);
    expect(await isActive(again.access_token, strong)).toBe(false);
  });

  it("an object with a usable token stays indexed and looks again when that token expires", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "stays");
    await token(client, { grant_type: "client_credentials", scope: "stays" }, SHORT);
    clock.advance(50_000);
    const later = await token(client, { grant_type: "client_credentials", scope: "stays" }, { ...SHORT, ACCESS_TOKEN_LIFETIME: "3600" });
    clock.advance(120_000 + COLLECTION_SLACK_MS);
    expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
    expect((await indexOf(client, key)).indexed).toBe(true);
    expect(await isActive(later.access_token)).toBe(true);
    const issuedAt = clock.now() - 120_000 - COLLECTION_SLACK_MS;
    expect(await alarmOf(key)).toBe(issuedAt + 3_600_000 + COLLECTION_SLACK_MS);
  });

  it("an indexed object without an alarm (indexed before collection existed) arms its check when it starts", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "resume");
    await token(client, { grant_type: "client_credentials", scope: "resume" }, SHORT);
    const issuedAt = clock.now();
    clock.advance(5_000);
    await runInDurableObject(grantStub(key), async (_object: GrantObject, state) => {
      await state.storage.deleteAlarm();
      await collectionOf(state).resume();
      // At the access token's expiry (client_credentials: no refresh token), plus the slack.
      expect(await state.storage.getAlarm()).toBe(issuedAt + 60_000 + COLLECTION_SLACK_MS);
    });
    // A fresh, unindexed object is left alone: it started (and resumed) without storing anything.
    await runInDurableObject(grantStub(keyOf(client, "never-used")), async (_object: GrantObject, state) => {
      expect(await state.storage.getAlarm()).toBeNull();
      expect(ownTables(state.storage.sql)).toEqual([]);
    });
  });

  it("an object the registry indexed whose first transaction then failed leaves the index from its alarm, and stays empty", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "unrecorded");
    // A storage failure inside the first request's transaction: the join has already been answered and armed the check.
    const insert = vi.spyOn(TokenRows.prototype, "insertAccess").mockImplementationOnce(() => {
      throw new Error("simulated storage failure");
    });
    try {
      const failed = await tokenRequest(client, { grant_type: "client_credentials", scope: "unrecorded" }, SHORT);
      expect(failed.status).toBeGreaterThanOrEqual(500);
    } finally {
      insert.mockRestore();
    }
    expect(await indexOf(client, key)).toEqual({ indexed: true, clientKeys: 1 });
    const tablesOf = () => runInDurableObject(grantStub(key), (_g: GrantObject, state) => ownTables(state.storage.sql));
    expect(await tablesOf()).toEqual([]);
    expect(await alarmOf(key)).not.toBeNull();
    expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
    expect(await indexOf(client, key)).toEqual({ indexed: false, clientKeys: 0 });
    expect(await tablesOf()).toEqual([]);
    // The key's next request joins again, like a new key.
    await token(client, { grant_type: "client_credentials", scope: "unrecorded" }, SHORT);
    expect(await indexOf(client, key)).toEqual({ indexed: true, clientKeys: 1 });
  });

  it("a collected key frees its place under MAX_KEYS_PER_CLIENT", async () => {
    const client = await registerClient(["client_credentials"]);
    const vars = { ...SHORT, MAX_KEYS_PER_CLIENT: "1" };
    await token(client, { grant_type: "client_credentials", scope: "first" }, vars);
    const refused = await tokenRequest(client, { grant_type: "client_credentials", scope: "second" }, vars);
    expect(refused.status).toBe(400);
    clock.advance(120_000 + COLLECTION_SLACK_MS);
    expect(await runDurableObjectAlarm(grantStub(keyOf(client, "first")))).toBe(true);
    expect((await tokenRequest(client, { grant_type: "client_credentials", scope: "second" }, vars)).status).toBe(200);
  });

  it("a KV retry brings the alarm forward past the later collection check, which then re-arms itself", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "queued");
    await token(client, { grant_type: "client_credentials", scope: "queued" }, SHORT);
    const collectionAt = await alarmOf(key);
    expect(collectionAt).toBe(clock.now() + 120_000 + COLLECTION_SLACK_MS);
    const { kv } = recordKv("TOKEN_STATUS");
    kv.failing = true;
    await token(client, { grant_type: "client_credentials", scope: "queued" }, SHORT);
    expect(await alarmOf(key)).toBe(clock.now() + 1_000); // the outbox's first retry
    kv.failing = false;
    clock.advance(1_000);
    expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
    expect(kv.puts.size).toBe(2); // the queued writes went out
    // Back to the collection check, now at the last token's expiry (the renewal's).
    expect(await alarmOf(key)).toBe(clock.now() - 1_000 + 60_000 + COLLECTION_SLACK_MS);
    clock.advance(120_000 + COLLECTION_SLACK_MS);
    expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
    expect((await indexOf(client, key)).indexed).toBe(false);
  });

  it("a request under way when the check runs keeps the object indexed (the check waits for it)", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "underway");
    await token(client, { grant_type: "client_credentials", scope: "underway" }, SHORT);
    clock.advance(120_000 + COLLECTION_SLACK_MS); // every token expired: collectable
    // Hold the next request of the key after it saw "indexed" and before its transaction.
    const gate = Promise.withResolvers<void>();
    const atMint = Promise.withResolvers<void>();
    const mint = TokenAnswers.prototype.mint;
    const held = vi.spyOn(TokenAnswers.prototype, "mint").mockImplementationOnce(async function (this: TokenAnswers, ...args) {
      atMint.resolve();
      await gate.promise;
      return mint.apply(this, args);
    });
    try {
      const pending = tokenRequest(client, { grant_type: "client_credentials", scope: "underway" }, SHORT);
      await atMint.promise;
      expect(await runDurableObjectAlarm(grantStub(key))).toBe(true);
      gate.resolve();
      expect((await pending).status).toBe(200);
    } finally {
      held.mockRestore();
    }
    // The token just issued must be reachable by a credential change: its object is still indexed.
    expect((await indexOf(client, key)).indexed).toBe(true);
  });

  it("requests that arrive while the object is leaving wait, then join again: one live token, indexed, counted once", async () => {
    const client = await registerClient(["client_credentials"]);
    const key = keyOf(client, "leaving");
    await token(client, { grant_type: "client_credentials", scope: "leaving" }, SHORT);
    clock.advance(120_000 + COLLECTION_SLACK_MS); // every token expired: collectable
    // Hold the registry's answer to the leave, so the requests below arrive mid-leave.
    const gate = Promise.withResolvers<void>();
    const atLeave = Promise.withResolvers<void>();
    const leave = RegistryObject.prototype.leaveGrantIndex;
    const held = vi.spyOn(RegistryObject.prototype, "leaveGrantIndex").mockImplementationOnce(async function (this: RegistryObject, objectId) {
      atLeave.resolve();
      await gate.promise;
      return leave.call(this, objectId);
    });
    // The burst has reached the object once the Worker has called its stub ten times and the
    // runtime has had some turns to deliver the calls; an object that let them in while leaving
    // would show it at once, by a join at the registry.
    const objectId = grantStub(key).id.toString();
    const namespace = Object.getPrototypeOf(bindings.GRANTS) as DurableObjectNamespace<GrantObject>;
    let dispatched = 0;
    const sent = Promise.withResolvers<void>();
    const get = namespace.get;
    const counted = vi.spyOn(namespace, "get").mockImplementation(function (this: DurableObjectNamespace<GrantObject>, id, options) {
      if (id.toString() === objectId && ++dispatched === 10) sent.resolve();
      return get.call(this, id, options);
    });
    const joinedMidLeave = Promise.withResolvers<void>();
    const indexGrant = RegistryObject.prototype.indexGrant;
    const joins = vi.spyOn(RegistryObject.prototype, "indexGrant").mockImplementation(function (this: RegistryObject, registration) {
      joinedMidLeave.resolve();
      return indexGrant.call(this, registration);
    });
    const turns = async (n: number) => {
      for (let i = 0; i < n; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
    };
    try {
      const check = runDurableObjectAlarm(grantStub(key));
      await atLeave.promise;
      const burst = Array.from({ length: 10 }, () => tokenRequest(client, { grant_type: "client_credentials", scope: "leaving" }, SHORT));
      await Promise.race([joinedMidLeave.promise, sent.promise.then(() => turns(20))]);
      gate.resolve();
      expect(await check).toBe(true);
      const answers = await Promise.all(burst);
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      const tokens = await Promise.all(answers.map(async (a) => (await a.json<{ access_token: string }>()).access_token));
      const live = await Promise.all(tokens.map((t) => isActive(t, { ...SHORT, ...strong })));
      expect(live.filter(Boolean)).toHaveLength(1);
      expect(held).toHaveBeenCalledTimes(1);
    } finally {
      for (const spy of [held, counted, joins]) spy.mockRestore();
    }
    // Left once, joined once again: indexed, and counted once under the client's key limit.
    expect(await indexOf(client, key)).toEqual({ indexed: true, clientKeys: 1 });
  });

  it("concurrent requests and checks on a collectable key: afterwards, an object with live tokens is indexed", async () => {
    const client = await registerClient(["client_credentials"]);
    for (let round = 0; round < 5; round += 1) {
      const scope = `race${round}`;
      const key = keyOf(client, scope);
      await token(client, { grant_type: "client_credentials", scope }, SHORT);
      const before = await indexOf(client, key);
      clock.advance(120_000 + COLLECTION_SLACK_MS);
      const burst = Array.from({ length: 20 }, () => tokenRequest(client, { grant_type: "client_credentials", scope }, SHORT));
      const checks = Array.from({ length: 3 }, () => runInDurableObject(grantStub(key), (object: GrantObject) => object.alarm()));
      const answers = await Promise.all(burst);
      await Promise.all(checks);
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const tokens = await Promise.all(answers.map(async (a) => (await a.json<{ access_token: string }>()).access_token));
      expect((await Promise.all(tokens.map((t) => isActive(t, { ...SHORT, ...strong })))).filter(Boolean)).toHaveLength(1);
      // Whether or not a check got in between, the key is indexed and counted once.
      expect(await indexOf(client, key)).toEqual(before);
    }
  });
});
