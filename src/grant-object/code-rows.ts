/** An authorization code of this grant object (SPEC §10), by its SQLite row. */
export interface CodeRow {
  id: string;
  hash: string;
  clientId: string;
  redirectUri: string;
  /** Whether the authorization request named the redirect URI (then the token request must too). */
  redirectUriSent: boolean;
  codeChallenge: string; // S256, base64url
  subject: string;
  nonce: string | null;
  sessionId: string | null;
  authTime: number; // epoch ms
  userEpoch: number;
  issuedAt: number;
  expiresAt: number;
  redeemedAt: number | null;
  accessId: string | null;
  refreshId: string | null;
  /** The row is kept this long: past the code's expiry, until its tokens could have expired. */
  keepUntil: number;
}

interface CodeRecordRow extends Record<string, SqlStorageValue> {
  id: string;
  hash: string;
  client_id: string;
  redirect_uri: string;
  redirect_uri_sent: number;
  code_challenge: string;
  subject: string;
  nonce: string | null;
  session_id: string | null;
  auth_time: number;
  user_epoch: number;
  issued_at: number;
  expires_at: number;
  redeemed_at: number | null;
  access_id: string | null;
  refresh_id: string | null;
  keep_until: number;
}

const toCode = (row: CodeRecordRow): CodeRow => ({
  id: row.id,
  hash: row.hash,
  clientId: row.client_id,
  redirectUri: row.redirect_uri,
  redirectUriSent: row.redirect_uri_sent === 1,
  codeChallenge: row.code_challenge,
  subject: row.subject,
  nonce: row.nonce,
  sessionId: row.session_id,
  authTime: row.auth_time,
  userEpoch: row.user_epoch,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  redeemedAt: row.redeemed_at,
  accessId: row.access_id,
  refreshId: row.refresh_id,
  keepUntil: row.keep_until,
});

/** The grant object's `codes` table; synchronous, for use inside transactions. */
export class CodeRows {
  constructor(private readonly sql: SqlStorage) {}

  byHash(hash: string): CodeRow | null {
    return this.sql.exec<CodeRecordRow>("SELECT * FROM codes WHERE hash = ?", hash).toArray().map(toCode)[0] ?? null;
  }

  insert(code: CodeRow): void {
    this.sql.exec(
      `INSERT INTO codes (id, hash, client_id, redirect_uri, redirect_uri_sent, code_challenge, subject, nonce, session_id, auth_time,
         user_epoch, issued_at, expires_at, redeemed_at, access_id, refresh_id, keep_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)`,
      code.id,
      code.hash,
      code.clientId,
      code.redirectUri,
      code.redirectUriSent ? 1 : 0,
      code.codeChallenge,
      code.subject,
      code.nonce,
      code.sessionId,
      code.authTime,
      code.userEpoch,
      code.issuedAt,
      code.expiresAt,
      code.keepUntil,
    );
  }

  /** Records the redemption and the tokens it gave; they die if the code is replayed. */
  markRedeemed(id: string, at: number, tokens: { accessId: string; refreshId: string | null }, keepUntil: number): void {
    this.sql.exec(
      "UPDATE codes SET redeemed_at = ?, access_id = ?, refresh_id = ?, keep_until = max(keep_until, ?) WHERE id = ?",
      at,
      tokens.accessId,
      tokens.refreshId,
      keepUntil,
      id,
    );
  }

  /** Forgets codes that can no longer be redeemed nor have live tokens to revoke. */
  prune(now: number): void {
    this.sql.exec("DELETE FROM codes WHERE keep_until <= ?", now);
  }
}
