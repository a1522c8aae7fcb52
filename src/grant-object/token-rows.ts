import type { AccessRow, CurrentTokens, RefreshRow } from "./issue-decision";

interface AccessRecordRow extends Record<string, SqlStorageValue> {
  id: string;
  hash: string;
  scope: string;
  format: string;
  refresh_id: string | null;
  grant_type: string;
  issued_at: number;
  expires_at: number;
  client_epoch: number;
  user_epoch: number;
  session_id: string | null;
  family_id: string | null;
}

interface RefreshRecordRow extends Record<string, SqlStorageValue> {
  id: string;
  hash: string;
  issued_at: number;
  expires_at: number;
  client_epoch: number;
  user_epoch: number;
  session_id: string | null;
  family_id: string | null;
  family_started_at: number | null;
  origin_grant: string | null;
}

const toAccess = (row: AccessRecordRow): AccessRow => ({
  id: row.id,
  hash: row.hash,
  scope: row.scope,
  format: row.format,
  refreshId: row.refresh_id,
  grantType: row.grant_type,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  clientEpoch: row.client_epoch,
  userEpoch: row.user_epoch,
  sessionId: row.session_id,
  familyId: row.family_id,
});

const toRefresh = (row: RefreshRecordRow): RefreshRow => ({
  id: row.id,
  hash: row.hash,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  clientEpoch: row.client_epoch,
  userEpoch: row.user_epoch,
  sessionId: row.session_id,
  familyId: row.family_id,
  familyStartedAt: row.family_started_at,
  originGrant: row.origin_grant,
});

/** The rows of an access/refresh pair. */
export interface TokenPair {
  access: AccessRow[];
  refresh: RefreshRow[];
}

/**
 * The grant object's token tables. Only live tokens have rows; every method is synchronous so
 * that callers can compose them inside one transactionSync.
 */
export class TokenRows {
  constructor(private readonly sql: SqlStorage) {}

  /** The key's newest pair; `holdsRefresh` false (key.ts: holdsRefreshTokens) skips the refresh table, one statement less. */
  current(holdsRefresh = true): CurrentTokens {
    const access = this.sql
      .exec<AccessRecordRow>("SELECT * FROM access_tokens ORDER BY issued_at DESC LIMIT 1")
      .toArray()
      .map(toAccess)[0];
    let refresh: RefreshRow | null = null;
    if (access?.refreshId) refresh = this.refreshById(access.refreshId);
    else if (holdsRefresh) refresh = this.sql.exec<RefreshRecordRow>("SELECT * FROM refresh_tokens ORDER BY issued_at DESC LIMIT 1").toArray().map(toRefresh)[0] ?? null;
    return { access: access ?? null, refresh };
  }

  accessByHash(hash: string): AccessRow | null {
    return this.sql.exec<AccessRecordRow>("SELECT * FROM access_tokens WHERE hash = ?", hash).toArray().map(toAccess)[0] ?? null;
  }

  accessById(id: string): AccessRow | null {
    return this.sql.exec<AccessRecordRow>("SELECT * FROM access_tokens WHERE id = ?", id).toArray().map(toAccess)[0] ?? null;
  }

  refreshByHash(hash: string): RefreshRow | null {
    return this.sql.exec<RefreshRecordRow>("SELECT * FROM refresh_tokens WHERE hash = ?", hash).toArray().map(toRefresh)[0] ?? null;
  }

  refreshById(id: string): RefreshRow | null {
    return this.sql.exec<RefreshRecordRow>("SELECT * FROM refresh_tokens WHERE id = ?", id).toArray().map(toRefresh)[0] ?? null;
  }

  allAccess(): AccessRow[] {
    return this.sql.exec<AccessRecordRow>("SELECT * FROM access_tokens").toArray().map(toAccess);
  }

  allRefresh(): RefreshRow[] {
    return this.sql.exec<RefreshRecordRow>("SELECT * FROM refresh_tokens").toArray().map(toRefresh);
  }

  /** The access tokens issued with a refresh token: the rest of its pair. */
  accessOfRefresh(refreshId: string): AccessRow[] {
    return this.sql.exec<AccessRecordRow>("SELECT * FROM access_tokens WHERE refresh_id = ?", refreshId).toArray().map(toAccess);
  }

  insertAccess(row: AccessRow): void {
    this.sql.exec(
      "INSERT INTO access_tokens (id, hash, scope, format, refresh_id, grant_type, issued_at, expires_at, client_epoch, user_epoch, session_id, family_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.id,
      row.hash,
      row.scope,
      row.format,
      row.refreshId,
      row.grantType,
      row.issuedAt,
      row.expiresAt,
      row.clientEpoch,
      row.userEpoch,
      row.sessionId ?? null,
      row.familyId ?? null,
    );
  }

  insertRefresh(row: RefreshRow): void {
    this.sql.exec(
      "INSERT INTO refresh_tokens (id, hash, issued_at, expires_at, client_epoch, user_epoch, session_id, family_id, family_started_at, origin_grant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.id,
      row.hash,
      row.issuedAt,
      row.expiresAt,
      row.clientEpoch,
      row.userEpoch,
      row.sessionId ?? null,
      row.familyId ?? null,
      row.familyStartedAt ?? null,
      row.originGrant ?? null,
    );
  }

  delete(table: "access_tokens" | "refresh_tokens", id: string): void {
    this.sql.exec(`DELETE FROM ${table} WHERE id = ?`, id);
  }

  /**
   * The live rows of the pair a token belongs to (RFC 7009: revoking either revokes both), looked
   * up in the hinted order.
   */
  pairOf(hash: string, hint: string | undefined): TokenPair {
    const lookups = [() => this.pairOfAccess(hash), () => this.pairOfRefresh(hash)];
    if (hint === "refresh_token") lookups.reverse();
    for (const lookup of lookups) {
      const pair = lookup();
      if (pair) return pair;
    }
    return { access: [], refresh: [] };
  }

  private pairOfAccess(hash: string): TokenPair | null {
    const access = this.accessByHash(hash);
    if (!access) return null;
    const refresh = access.refreshId ? this.refreshById(access.refreshId) : null;
    return { access: [access], refresh: refresh ? [refresh] : [] };
  }

  private pairOfRefresh(hash: string): TokenPair | null {
    const refresh = this.refreshByHash(hash);
    return refresh ? { access: this.accessOfRefresh(refresh.id), refresh: [refresh] } : null;
  }

  /** The live rows among a code's tokens (the ids its redemption recorded). */
  pairOfIds(ids: { accessId: string | null; refreshId: string | null } | null): TokenPair {
    const access = ids?.accessId ? this.accessById(ids.accessId) : null;
    const refresh = ids?.refreshId ? this.refreshById(ids.refreshId) : null;
    return { access: access ? [access] : [], refresh: refresh ? [refresh] : [] };
  }

  /** The live tokens of one grant lineage: everything descended from a code or first refresh token. */
  ofFamily(familyId: string): TokenPair {
    return {
      access: this.sql.exec<AccessRecordRow>("SELECT * FROM access_tokens WHERE family_id = ?", familyId).toArray().map(toAccess),
      refresh: this.sql.exec<RefreshRecordRow>("SELECT * FROM refresh_tokens WHERE family_id = ?", familyId).toArray().map(toRefresh),
    };
  }

  /** The tokens issued through a browser session (OIDC logout revokes them). */
  ofSession(sessionId: string): TokenPair {
    return {
      access: this.sql.exec<AccessRecordRow>("SELECT * FROM access_tokens WHERE session_id = ?", sessionId).toArray().map(toAccess),
      refresh: this.sql.exec<RefreshRecordRow>("SELECT * FROM refresh_tokens WHERE session_id = ?", sessionId).toArray().map(toRefresh),
    };
  }

  /** Whether a token with this hash is live (strong introspection). */
  isLive(hash: string, now: number): boolean {
    const row = this.sql
      .exec<{ expires_at: number }>(
        `SELECT expires_at FROM access_tokens WHERE hash = ?1
         UNION ALL SELECT expires_at FROM refresh_tokens WHERE hash = ?1`,
        hash,
      )
      .toArray()[0];
    return row !== undefined && row.expires_at > now;
  }
}
