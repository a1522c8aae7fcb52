import type { Fence } from "../protocol/fence";
import { object, parseStored, string } from "../store/decode";
import { grantObjectName, type GrantKey } from "./key";

/** The stored key (a GrantKey as JSON; it predates record versions and keeps its shape). */
const decodeKey = (value: unknown) => object({ clientId: string, username: string, scope: string }, { jkt: string })(value, "grant key");

/**
 * A grant object's own facts, in its `meta` table: the key it serves, its HMAC key for token
 * strings, whether the registry's grant index knows it, and its fences (the lowest client and
 * user epochs it still serves). Synchronous, for use inside transactions.
 */
export class GrantMeta {
  /**
   * The values read or written so far (the object is their only writer, so this copy is
   * exact): a token request reads these facts several times, and SQLite is not free. A
   * transaction that throws rolls its writes back, and this copy with them (`reload`).
   */
  private readonly cache = new Map<string, string | null>();
  private loaded = false;
  /** The stored key as last parsed, with the text it came from. */
  private parsedKey: { text: string; key: GrantKey } | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /**
   * Drops this copy (when the object starts, and after a transaction rolled back): the facts are
   * read again when next needed, or, for an object without tables (schema.ts), known to be none.
   */
  reload(tablesExist: boolean): void {
    this.cache.clear();
    this.loaded = !tablesExist;
  }

  /**
   * The HMAC key of an object created before token keys were derived from TOKEN_SECRET (it kept
   * its own in storage): its live tokens keep working. New objects store none (SPEC §6: a storage
   * copy alone must not re-derive a token).
   */
  legacyTokenKeyMaterial(): string | null {
    return this.get("token_key");
  }

  key(): GrantKey | null {
    const stored = this.get("key");
    if (!stored) return null;
    // Every issuing request checks its key against the stored one: parse each stored text once.
    if (this.parsedKey?.text !== stored) {
      const { clientId, username, scope, jkt } = parseStored("grant key", stored, decodeKey);
      this.parsedKey = { text: stored, key: { clientId, username, scope, ...(jkt ? { jkt } : {}) } };
    }
    return { ...this.parsedKey.key };
  }

  /** Records the key on first use; an object only ever serves the key it is named after. */
  bindKey(key: GrantKey): void {
    this.set(...this.keyFact(key));
  }

  /** The key (on first use) and the `sub` of the tokens about to be issued, in one write. */
  bindKeyAndSubject(key: GrantKey, subject: string): void {
    this.set(...this.keyFact(key), ...(this.get("subject") === subject ? [] : [["subject", subject] as [string, string]]));
  }

  private keyFact(key: GrantKey): [string, string][] {
    const stored = this.key();
    if (!stored) return [["key", JSON.stringify(key)]];
    if (grantObjectName(stored) !== grantObjectName(key)) throw new Error("grant object received a request for another key");
    return [];
  }

  /** The `sub` of the tokens issued last, kept for refreshes (see token-records.ts). */
  subject(): string | null {
    return this.get("subject");
  }

  isIndexed(): boolean {
    return this.get("indexed") !== null;
  }

  markIndexed(): void {
    this.set(["indexed", "1"]);
    if (this.get("leaving") !== null) this.remove("leaving");
  }

  /** Between forgetting its rows and the registry's answer to leaving the index (index-collection.ts). */
  isLeaving(): boolean {
    return this.get("leaving") !== null;
  }

  markLeaving(): void {
    this.set(["leaving", "1"]);
  }

  doneLeaving(): void {
    this.remove("leaving");
  }

  /** Forgets every fact but the schema version: the object starts over as if new. */
  reset(): void {
    this.sql.exec("DELETE FROM meta WHERE name != 'schema_version'");
    this.cache.clear();
    this.loaded = false;
  }

  fence(): Fence {
    return { clientEpoch: Number(this.get("client_fence") ?? 0), userEpoch: Number(this.get("user_fence") ?? 0) };
  }

  /** Callers only ever raise it (see fence.ts). */
  setFence(fence: Fence): void {
    this.set(["client_fence", String(fence.clientEpoch)], ["user_fence", String(fence.userEpoch)]);
  }

  private get(name: string): string | null {
    if (!this.loaded) this.load();
    return this.cache.get(name) ?? null;
  }

  /** All facts in one read (a request reads several; an object has a handful). */
  private load(): void {
    for (const row of this.sql.exec<{ name: string; value: string }>("SELECT name, value FROM meta")) this.cache.set(row.name, row.value);
    this.loaded = true;
  }

  private remove(name: string): void {
    this.sql.exec("DELETE FROM meta WHERE name = ?", name);
    this.cache.set(name, null);
  }

  /** Facts in one statement. */
  private set(...facts: [string, string][]): void {
    if (facts.length === 0) return;
    this.sql.exec(`INSERT OR REPLACE INTO meta (name, value) VALUES ${facts.map(() => "(?, ?)").join(", ")}`, ...facts.flat());
    for (const [name, value] of facts) this.cache.set(name, value);
  }
}
