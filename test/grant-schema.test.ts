import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { GRANT_SCHEMA_VERSION, migrateGrantSchema } from "../src/grant-object/schema";
import { grantStub } from "./helpers/kv";

const version = (sql: SqlStorage) => sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'schema_version'").one().value;
const tables = (sql: SqlStorage) => sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").toArray().map((r) => r.name);

describe("the grant object's schema", () => {
  it(`a new object is at version ${GRANT_SCHEMA_VERSION}, its token tables WITHOUT ROWID; running the migration again changes nothing`, async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `new${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
      expect(tables(sql)).toEqual(["access_tokens", "codes", "meta", "outbox", "refresh_tokens", "refresh_tombstones"]);
      const ddl = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'access_tokens'").one().sql;
      expect(ddl).toMatch(/WITHOUT ROWID/);
      migrateGrantSchema(sql);
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
    });
  });

  it("an object of version 2 that lacks a table gains it, keeps its rows and moves to the current version", async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `v2${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
      sql.exec("DROP TABLE refresh_tombstones");
      sql.exec("UPDATE meta SET value = '2' WHERE name = 'schema_version'");
      sql.exec("INSERT INTO meta (name, value) VALUES ('subject', 'kept')");
      migrateGrantSchema(sql);
      expect(tables(sql)).toContain("refresh_tombstones");
      expect(version(sql)).toBe(String(GRANT_SCHEMA_VERSION));
      expect(sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'subject'").one().value).toBe("kept");
    });
  });

  it("an object of version 1 gets the session and lineage columns", async () => {
    await runInDurableObject(grantStub({ clientId: "schema", username: "", scope: `v1${Date.now()}` }), (_o: GrantObject, state) => {
      const { sql } = state.storage;
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
