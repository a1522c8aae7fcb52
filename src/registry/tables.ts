import { parseClientRecord, type ClientRecord } from "./client-record";
import { parseUserRecord, userNameKey, type UserRecord } from "./user-record";

/**
 * The registry object's SQLite tables, synchronous so that callers compose them inside one
 * transactionSync. Records are JSON, read back through their checked decoders.
 */
export const REGISTRY_TABLES = [
  "CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, record TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, user_key TEXT NOT NULL UNIQUE, record TEXT NOT NULL)",
  // Outlives the user, so a re-created userName starts above every epoch its predecessor had.
  "CREATE TABLE IF NOT EXISTS user_epochs (user_key TEXT PRIMARY KEY, epoch INTEGER NOT NULL)",
  // The longest access token lifetime any client was ever given: lowering one later does not
  // shorten tokens already issued, and key rotation must keep their signing key published.
  "CREATE TABLE IF NOT EXISTS lifetime_high_water (id INTEGER PRIMARY KEY CHECK (id = 1), seconds INTEGER NOT NULL)",
];

export class ClientsTable {
  constructor(private readonly sql: SqlStorage) {}

  get(clientId: string): ClientRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM clients WHERE client_id = ?", clientId).toArray()[0];
    return row ? parseClientRecord(row.record) : null;
  }

  insert(client: ClientRecord): void {
    this.sql.exec("INSERT INTO clients (client_id, record) VALUES (?, ?)", client.client_id, JSON.stringify(client));
    this.raiseLifetimeHighWater(client);
  }

  update(client: ClientRecord): void {
    this.sql.exec("UPDATE clients SET record = ? WHERE client_id = ?", JSON.stringify(client), client.client_id);
    this.raiseLifetimeHighWater(client);
  }

  /** False when there was no such client. */
  delete(clientId: string): boolean {
    return this.sql.exec("DELETE FROM clients WHERE client_id = ?", clientId).rowsWritten > 0;
  }

  /** The longest access token lifetime (seconds) any client has ever had, or null when none set one. */
  lifetimeHighWater(): number | null {
    return this.sql.exec<{ seconds: number }>("SELECT seconds FROM lifetime_high_water WHERE id = 1").toArray()[0]?.seconds ?? null;
  }

  private raiseLifetimeHighWater(client: ClientRecord): void {
    if (!client.access_token_lifetime) return;
    this.sql.exec(
      "INSERT INTO lifetime_high_water (id, seconds) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seconds = max(seconds, excluded.seconds)",
      client.access_token_lifetime,
    );
  }
}

export class UsersTable {
  constructor(private readonly sql: SqlStorage) {}

  get(id: string): UserRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM users WHERE id = ?", id).toArray()[0];
    return row ? parseUserRecord(row.record) : null;
  }

  findByName(userName: string): UserRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM users WHERE user_key = ?", userNameKey(userName)).toArray()[0];
    return row ? parseUserRecord(row.record) : null;
  }

  page(startIndex: number, count: number): { total: number; users: UserRecord[] } {
    const total = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM users").one().n;
    const users = this.sql
      .exec<{ record: string }>("SELECT record FROM users ORDER BY user_key LIMIT ? OFFSET ?", count, startIndex - 1)
      .toArray()
      .map((row) => parseUserRecord(row.record));
    return { total, users };
  }

  insert(user: UserRecord): void {
    this.sql.exec("INSERT INTO users (id, user_key, record) VALUES (?, ?, ?)", user.id, userNameKey(user.userName), JSON.stringify(user));
  }

  update(user: UserRecord): void {
    this.sql.exec("UPDATE users SET record = ? WHERE id = ?", JSON.stringify(user), user.id);
  }

  delete(id: string): void {
    this.sql.exec("DELETE FROM users WHERE id = ?", id);
  }

  epoch(userName: string): number {
    return this.sql.exec<{ epoch: number }>("SELECT epoch FROM user_epochs WHERE user_key = ?", userNameKey(userName)).toArray()[0]?.epoch ?? 0;
  }

  /** Raises the userName's epoch (kept after deletion) and returns the new one. */
  nextEpoch(userName: string): number {
    const epoch = this.epoch(userName) + 1;
    this.sql.exec("INSERT OR REPLACE INTO user_epochs (user_key, epoch) VALUES (?, ?)", userNameKey(userName), epoch);
    return epoch;
  }
}
