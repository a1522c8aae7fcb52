/**
 * SPEC §12: a rotated refresh token's tombstone, by the SHA-256 of the token, kept until the
 * token would have expired, so a second presentation is recognised as reuse (or, within
 * REFRESH_TOKEN_REUSE_INTERVAL, as a retry that gets the same new pair).
 */
export interface Tombstone {
  hash: string;
  familyId: string;
  rotatedAt: number; // epoch ms
  expiresAt: number; // the rotated token's own expiry: the tombstone goes then
  successorId: string; // the refresh token that replaced it
  accessId: string; // the access token issued with the successor
}

interface TombstoneRow extends Record<string, SqlStorageValue> {
  hash: string;
  family_id: string;
  rotated_at: number;
  expires_at: number;
  successor_id: string;
  access_id: string;
}

export class Tombstones {
  constructor(private readonly sql: SqlStorage) {}

  byHash(hash: string, now: number): Tombstone | null {
    const row = this.sql.exec<TombstoneRow>("SELECT * FROM refresh_tombstones WHERE hash = ? AND expires_at > ?", hash, now).toArray()[0];
    return row
      ? { hash: row.hash, familyId: row.family_id, rotatedAt: row.rotated_at, expiresAt: row.expires_at, successorId: row.successor_id, accessId: row.access_id }
      : null;
  }

  bury(tombstone: Tombstone): void {
    this.sql.exec("DELETE FROM refresh_tombstones WHERE expires_at <= ?", tombstone.rotatedAt);
    this.sql.exec(
      "INSERT OR REPLACE INTO refresh_tombstones (hash, family_id, rotated_at, expires_at, successor_id, access_id) VALUES (?, ?, ?, ?, ?, ?)",
      tombstone.hash,
      tombstone.familyId,
      tombstone.rotatedAt,
      tombstone.expiresAt,
      tombstone.successorId,
      tombstone.accessId,
    );
  }

  /** A retry within the interval minted a new access token for the successor (JWT format). */
  replaceAccess(hash: string, accessId: string): void {
    this.sql.exec("UPDATE refresh_tombstones SET access_id = ? WHERE hash = ?", accessId, hash);
  }
}

export const TOMBSTONE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS refresh_tombstones (
    hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    rotated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    successor_id TEXT NOT NULL,
    access_id TEXT NOT NULL
  ) WITHOUT ROWID`,
  // Collecting expired tombstones at each rotation must not scan the ones still kept (a day's).
  `CREATE INDEX IF NOT EXISTS refresh_tombstones_expiry ON refresh_tombstones (expires_at)`,
];
