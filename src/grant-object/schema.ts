import { OUTBOX_SCHEMA } from "../store/outbox";
import { TOMBSTONE_SCHEMA } from "./tombstones";

/**
 * SQLite schema of a grant object (one object per key, so client, user and scope live in `meta`
 * once, not in every row). Only live tokens have rows: a superseded or revoked token's row is
 * deleted in the transaction that supersedes it, and its KV revocation record goes to the outbox.
 */
export const GRANT_SCHEMA_VERSION = 3;

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
  // A key has one live pair (a few rows at most): the token tables need no index but their key,
  // and WITHOUT ROWID makes that key the table, so a token costs one row written, not three.
  `CREATE TABLE IF NOT EXISTS access_tokens (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     scope TEXT NOT NULL,
     format TEXT NOT NULL,
     refresh_id TEXT,
     grant_type TEXT NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     client_epoch INTEGER NOT NULL,
     user_epoch INTEGER NOT NULL,
     session_id TEXT,
     family_id TEXT
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS refresh_tokens (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     client_epoch INTEGER NOT NULL,
     user_epoch INTEGER NOT NULL,
     session_id TEXT,
     family_id TEXT,
     family_started_at INTEGER,
     origin_grant TEXT
   ) WITHOUT ROWID`,
  // Version 2: authorization codes (SPEC §10). A redeemed code keeps its row, naming the tokens it
  // gave, until they could have expired, so a replay can revoke them (RFC 6749 §4.1.2).
  `CREATE TABLE IF NOT EXISTS codes (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL UNIQUE,
     client_id TEXT NOT NULL,
     redirect_uri TEXT NOT NULL,
     redirect_uri_sent INTEGER NOT NULL,
     code_challenge TEXT NOT NULL,
     subject TEXT NOT NULL,
     nonce TEXT,
     session_id TEXT,
     auth_time INTEGER NOT NULL,
     user_epoch INTEGER NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     redeemed_at INTEGER,
     access_id TEXT,
     refresh_id TEXT,
     keep_until INTEGER NOT NULL
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS codes_keep_until ON codes (keep_until)`,
  ...TOMBSTONE_SCHEMA,
  OUTBOX_SCHEMA,
];

/**
 * Deletes every token, code and tombstone row (not meta, not the outbox): what a grant object
 * forgets when it leaves the grant index (index-collection.ts).
 */
export function clearGrantRows(sql: SqlStorage): void {
  sql.exec(["access_tokens", "refresh_tokens", "codes", "refresh_tombstones"].map((table) => `DELETE FROM ${table}`).join(";\n"));
}

/** Version 1 → 2: tokens remember the browser session (OIDC logout) and the lineage (replays) they belong to. */
const TO_VERSION_2 = [
  ...["access_tokens", "refresh_tokens"].flatMap((table) => [`ALTER TABLE ${table} ADD COLUMN session_id TEXT`, `ALTER TABLE ${table} ADD COLUMN family_id TEXT`]),
  `ALTER TABLE refresh_tokens ADD COLUMN family_started_at INTEGER`,
  `ALTER TABLE refresh_tokens ADD COLUMN origin_grant TEXT`,
];

/** The schema version this object has stored; null for a new object (no tables yet). */
function storedVersion(sql: SqlStorage): number | null {
  const hasMeta = sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'").one().n > 0;
  return hasMeta ? Number(sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'schema_version'").toArray()[0]?.value ?? 0) : null;
}

/**
 * Creates or upgrades the schema. Version 3 only changed how new objects store the token tables
 * (WITHOUT ROWID, no index on `hash`): objects of version 2 keep theirs (same columns, so the same
 * statements work on both) and gain any table they lack.
 */
export function migrateGrantSchema(sql: SqlStorage, stored = storedVersion(sql) ?? 0): void {
  if (stored === GRANT_SCHEMA_VERSION) return;
  if (stored === 1) for (const statement of TO_VERSION_2) sql.exec(statement);
  // One call for the whole schema.
  sql.exec(
    [
      ...STATEMENTS,
      `INSERT INTO meta (name, value) VALUES ('schema_version', '${GRANT_SCHEMA_VERSION}') ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    ].join(";\n"),
  );
}

/**
 * Whether the object's tables exist. An object that has stored something is upgraded when it
 * starts; a new one creates its tables inside its first transaction that writes, so they commit
 * with that write (a new key costs one commit, not two), and a request that writes nothing (a
 * refused or unknown token, a key limit reached) leaves nothing behind.
 */
export class GrantSchema {
  private present: boolean;

  /** `rolledBack`: after a body threw, so in-memory copies of what it wrote are dropped (meta.ts). */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly rolledBack: (tablesExist: boolean) => void = () => undefined,
  ) {
    const stored = storedVersion(storage.sql);
    if (stored !== null) migrateGrantSchema(storage.sql, stored);
    this.present = stored !== null;
  }

  /** False until the first write transaction has committed; until then the object holds nothing, so reads answer without SQL. */
  get exists(): boolean {
    return this.present;
  }

  /**
   * One synchronous transaction that may write: the schema first if it is missing. `created`
   * tells the body the tables were made in this transaction, so they are empty. A body that
   * throws rolls both back.
   */
  write<T>(body: (created: boolean) => T): T {
    const create = !this.present;
    try {
      const result = this.storage.transactionSync(() => {
        if (create) migrateGrantSchema(this.storage.sql, 0);
        return body(create);
      });
      this.present = true;
      return result;
    } catch (error) {
      this.rolledBack(this.present);
      throw error;
    }
  }
}
