import type { Env } from "../env";
import { DELETED } from "../protocol/fence";
import type { GrantIndexOutcome, KeyLimits } from "../protocol/registry-rpc";
import { userNameKey } from "./user-record";

/**
 * The registry's index of grant objects, and the fan-out that kills their tokens when a client
 * is deleted or its secret rotated, or a user is deleted, deactivated or changes password.
 *
 * Every grant object registers itself here before it issues its first token (indexGrant). An
 * event raises the client's or user's epoch and queues one revocation per indexed object in the
 * same transaction; the queue is then worked off (and retried from the alarm on failure). A
 * grant object that registers after the epoch was raised is told so and refuses the request, so
 * no token slips between the index and the fan-out.
 */
export const FANOUT_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS grant_index (
     object_id TEXT PRIMARY KEY,
     client_id TEXT NOT NULL,
     user_key TEXT
   )`,
  `CREATE INDEX IF NOT EXISTS grant_index_client ON grant_index (client_id)`,
  `CREATE INDEX IF NOT EXISTS grant_index_user ON grant_index (user_key)`,
  // The number of indexed grant objects per client ("c:<client_id>") and per user ("u:<user_key>"),
  // kept with the index so the SPEC §14 key limits cost one row read, not a scan.
  `CREATE TABLE IF NOT EXISTS key_counts (owner TEXT PRIMARY KEY, n INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS pending_revocations (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     object_id TEXT NOT NULL,
     client_fence INTEGER NOT NULL,
     user_fence INTEGER NOT NULL
   )`,
];

/** The key_counts rows a grant object counts under. */
const owners = (clientId: string, userKey: string | null): string[] => [`c:${clientId}`, ...(userKey === null ? [] : [`u:${userKey}`])];

const PARALLEL_CALLS = 16;
/** Grant objects revoked per admin request or alarm run; the rest follow from the alarm at once. */
export const FANOUT_PAGE = 256;

export class RevocationFanout {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
  ) {}

  /** Indexes a grant object, unless it is new and its client or user already has as many keys as allowed. */
  admit(objectId: string, clientId: string, userName: string | null, limits: KeyLimits): GrantIndexOutcome {
    if (!this.isIndexed(objectId)) {
      if (this.keysOfClient(clientId) >= limits.perClient) return "client_key_limit";
      if (userName && this.keysOfUser(userName) >= limits.perUser) return "user_key_limit";
    }
    this.index(objectId, clientId, userName);
    return "indexed";
  }

  index(objectId: string, clientId: string, userName: string | null): void {
    const userKey = userName === null ? null : userNameKey(userName);
    const added = this.sql.exec("INSERT OR IGNORE INTO grant_index (object_id, client_id, user_key) VALUES (?, ?, ?)", objectId, clientId, userKey).rowsWritten;
    if (added === 0) return;
    for (const owner of owners(clientId, userKey)) {
      this.sql.exec("INSERT INTO key_counts (owner, n) VALUES (?, 1) ON CONFLICT (owner) DO UPDATE SET n = n + 1", owner);
    }
  }

  /**
   * Drops a grant object that has nothing left to revoke, and frees its place under the key limits.
   * A revocation already queued for it still goes out (harmless: it finds nothing).
   */
  unindex(objectId: string): void {
    const row = this.sql.exec<{ client_id: string; user_key: string | null }>("SELECT client_id, user_key FROM grant_index WHERE object_id = ?", objectId).toArray()[0];
    if (!row) return;
    this.sql.exec("DELETE FROM grant_index WHERE object_id = ?", objectId);
    for (const owner of owners(row.client_id, row.user_key)) {
      this.sql.exec("UPDATE key_counts SET n = n - 1 WHERE owner = ?", owner);
      this.sql.exec("DELETE FROM key_counts WHERE owner = ? AND n <= 0", owner);
    }
  }

  /** Counts for an index that predates key_counts, rebuilt once. */
  countKeysOnce(): void {
    if (this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM key_counts").one().n > 0) return;
    this.sql.exec("INSERT INTO key_counts (owner, n) SELECT 'c:' || client_id, count(*) FROM grant_index GROUP BY client_id");
    this.sql.exec("INSERT INTO key_counts (owner, n) SELECT 'u:' || user_key, count(*) FROM grant_index WHERE user_key IS NOT NULL GROUP BY user_key");
  }

  isIndexed(objectId: string): boolean {
    return this.sql.exec("SELECT 1 FROM grant_index WHERE object_id = ?", objectId).toArray().length > 0;
  }

  keysOfClient(clientId: string): number {
    return this.count(`c:${clientId}`);
  }

  keysOfUser(userName: string): number {
    return this.count(`u:${userNameKey(userName)}`);
  }

  private count(owner: string): number {
    return this.sql.exec<{ n: number }>("SELECT n FROM key_counts WHERE owner = ?", owner).toArray()[0]?.n ?? 0;
  }

  /** Queues the revocation of every grant object of a client (synchronous: call in the event's transaction). */
  queueForClient(clientId: string, clientEpoch: number): void {
    this.sql.exec(
      "INSERT INTO pending_revocations (object_id, client_fence, user_fence) SELECT object_id, ?, 0 FROM grant_index WHERE client_id = ?",
      clientEpoch,
      clientId,
    );
    if (clientEpoch === DELETED) {
      for (const { user_key } of this.sql.exec<{ user_key: string | null }>("SELECT user_key FROM grant_index WHERE client_id = ?", clientId).toArray()) {
        if (user_key !== null) this.sql.exec("UPDATE key_counts SET n = n - 1 WHERE owner = ?", `u:${user_key}`);
      }
      this.sql.exec("DELETE FROM grant_index WHERE client_id = ?", clientId);
      this.sql.exec("DELETE FROM key_counts WHERE owner = ?", `c:${clientId}`);
    }
  }

  queueForUser(userName: string, userEpoch: number): void {
    const userKey = userNameKey(userName);
    this.sql.exec(
      "INSERT INTO pending_revocations (object_id, client_fence, user_fence) SELECT object_id, 0, ? FROM grant_index WHERE user_key = ?",
      userEpoch,
      userKey,
    );
  }

  /**
   * Works off at most one page of the queue (SPEC §14: a change of a client with very many keys
   * must not hold up the admin requests queued behind it): "done" when the queue is empty,
   * "more" when the page went through and rows are left, "failed" when a grant object could not
   * be reached (its row stays queued).
   */
  async process(pageSize = FANOUT_PAGE): Promise<"done" | "more" | "failed"> {
    const rows = this.sql
      .exec<{ seq: number; object_id: string; client_fence: number; user_fence: number }>("SELECT * FROM pending_revocations ORDER BY seq LIMIT ?", pageSize)
      .toArray();
    let failed = false;
    for (let i = 0; i < rows.length; i += PARALLEL_CALLS) {
      await Promise.all(
        rows.slice(i, i + PARALLEL_CALLS).map(async (row) => {
          try {
            const grant = this.env.GRANTS.get(this.env.GRANTS.idFromString(row.object_id));
            await grant.revokeAll({ clientEpoch: row.client_fence, userEpoch: row.user_fence });
            this.sql.exec("DELETE FROM pending_revocations WHERE seq = ?", row.seq);
          } catch (error) {
            failed = true;
            console.error("grant revocation failed, will retry:", error instanceof Error ? error.name : "unknown");
          }
        }),
      );
    }
    if (failed) return "failed";
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pending_revocations").one().n === 0 ? "done" : "more";
  }
}
