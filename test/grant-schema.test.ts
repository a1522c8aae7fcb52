import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { GRANT_SCHEMA_VERSION, GrantSchema, migrateGrantSchema } from "../src/grant-object/schema";
import { grantStub } from "./helpers/kv";
import { ownTables } from "./helpers/sqlite";
import { registerClient, token, tokenRequest } from "./helpers/oauth";

const version = (sql: SqlStorage) => sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'schema_version'").one().value;

describe("the grant object's schema", () => {
  it(`a new object stores nothing until its first write, which creates the schema (version ${GRANT_SCHEMA_VERSION}, token tables WITHOUT ROWID) in its own transaction`, async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `new${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
      expect(ownTables(sql)).toEqual([]);
      const rolledBack: boolean[] = [];
      const schema = new GrantSchema(state.storage, (tablesExist) => rolledBack.push(tablesExist));
      expect(schema.exists).toBe(false);
      // A first write that fails takes the schema with it: the next one creates it again.
      expect(() =>
        schema.write(() => {
          sql.exec("INSERT INTO meta (name, value) VALUES ('subject', 'lost')");
          throw new Error("refused");
        }),
      ).toThrow("refused");
      expect(ownTables(sql)).toEqual([]);
      expect(schema.exists).toBe(false);
      expect(rolledBack).toEqual([false]); // so the object drops what it cached of that write (meta.ts)
      schema.write(() => sql.exec("INSERT INTO meta (name, value) VALUES ('subject', 'kept')"));
      expect(schema.exists).toBe(true);
      expect(ownTables(sql)).toEqual(["access_tokens", "codes", "meta", "outbox", "refresh_tokens", "refresh_tombstones"]);
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
      const ddl = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'access_tokens'").one().sql;
      expect(ddl).toMatch(/WITHOUT ROWID/);
      migrateGrantSchema(sql);
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
      expect(sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'subject'").one().value).toBe("kept");
    });
  });

  it("a key's first token request creates the schema with its tokens; a refused first request, an unknown token or a logout leave a new object empty", async () => {
    const client = await registerClient(["client_credentials"]);
    const vars = { MAX_KEYS_PER_CLIENT: "1" };
    const issued = await token(client, { grant_type: "client_credentials", scope: "first" }, vars);
    expect(issued.access_token).toBeTruthy();
    const refused = await tokenRequest(client, { grant_type: "client_credentials", scope: "second" }, vars);
    expect(refused.status).toBe(400);
    const key = (scope: string) => ({ clientId: client.id, username: "", scope });
    await runInDurableObject(grantStub(key("first")), (_o: GrantObject, state) => {
      expect(ownTables(state.storage.sql)).toContain("access_tokens");
      expect(state.storage.sql.exec("SELECT id FROM access_tokens").toArray()).toHaveLength(1);
      expect(state.storage.sql.exec("SELECT value FROM meta WHERE name = 'indexed'").toArray()).toHaveLength(1);
      // Nothing to retire in new tables, but the fence still rises to the request's epochs.
      expect(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'client_fence'").one().value).toBe("1");
    });
    const unused = grantStub(key("second"));
    expect(await unused.isLive("a".repeat(43))).toBe(false);
    expect(await unused.revokeToken({ tokenHash: "a".repeat(43), clientId: client.id, clientEpoch: 0 })).toEqual({ ok: true, value: "unknown" });
    await unused.revokeSession("no-such-session");
    await runInDurableObject(unused, (_o: GrantObject, state) => expect(ownTables(state.storage.sql)).toEqual([]));
  });

  it("an object of version 2 that lacks a table gains it, keeps its rows and moves to the current version", async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `v2${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
      migrateGrantSchema(sql);
      sql.exec("DROP TABLE refresh_tombstones");
      sql.exec("UPDATE meta SET value = '2' WHERE name = 'schema_version'");
      sql.exec("INSERT INTO meta (name, value) VALUES ('subject', 'kept')");
      migrateGrantSchema(sql);
      expect(ownTables(sql)).toContain("refresh_tombstones");
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
      expect(sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'subject'").one().value).toBe("kept");
    });
  });

  it("an object with a meta table but no recorded version counts as stored: it is upgraded and keeps its facts", async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `v0${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
      sql.exec("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
      sql.exec("INSERT INTO meta (name, value) VALUES ('client_fence', '7')");
      const schema = new GrantSchema(state.storage);
      expect(schema.exists).toBe(true);
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
      expect(sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'client_fence'").one().value).toBe("7");
    });
  });

  it("an object of version 1 gets the session and lineage columns", async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `v1${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
      migrateGrantSchema(sql);
      for (const table of ["access_tokens", "refresh_tokens"]) {
        const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).toArray().map((c) => c.name);
        const old = columns.filter((c) => !["session_id", "family_id", "family_started_at", "origin_grant"].includes(c));
        sql.exec(`CREATE TABLE ${table}_v1 AS SELECT ${old.join(", ")} FROM ${table} WHERE 0`);
        sql.exec(`DROP TABLE ${table}`);
        sql.exec(`ALTER TABLE ${table}_v1 RENAME TO ${table}`);
      }
      sql.exec("UPDATE meta SET value = '1' WHERE name = 'schema_version'");
      migrateGrantSchema(sql);
      const refreshColumns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('refresh_tokens')").toArray().map((c) => c.name);
      expect(refreshColumns).toEqual(expect.arrayContaining(["session_id", "family_id", "family_started_at", "origin_grant"]));
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
    });
  });
});
