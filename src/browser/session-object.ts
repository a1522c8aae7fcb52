import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../runtime/clock";

const RETRY_MS = 2_000;

/** Who signed in, when and how: what a browser session vouches for. */
export interface SessionView {
  sessionId: string; // the object's id, hex: named in codes and (OIDC) id tokens as `sid`
  userId: string;
  userName: string;
  userEpoch: number;
  authTime: number; // epoch ms
  amr: string[];
}

export interface SessionStart extends Omit<SessionView, "sessionId"> {
  secretHash: string;
  expiresAt: number; // epoch ms
}

interface SessionRow extends Record<string, SqlStorageValue> {
  secret_hash: string;
  user_id: string;
  user_name: string;
  user_epoch: number;
  auth_time: number;
  amr: string;
  expires_at: number;
  ended_at: number | null;
}

/**
 * One browser session (SPEC §10 SSO): created by a successful login on the login page, found
 * again from the `__Host-session` cookie, which names this object and carries a secret stored
 * here only as its SHA-256. Whether a session is valid is decided here, exactly (no KV): a
 * session that ended or expired is gone at once everywhere. The object deletes its storage when
 * the session expires.
 */
export class SessionObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS session (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      secret_hash TEXT NOT NULL,
      user_id TEXT NOT NULL,
      user_name TEXT NOT NULL,
      user_epoch INTEGER NOT NULL,
      auth_time INTEGER NOT NULL,
      amr TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      ended_at INTEGER
    )`);
    // The grant objects that issued codes through this session: logout revokes their tokens.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS grants (object_id TEXT PRIMARY KEY)");
  }

  /** Starts the session; an object holds one session only, so a second start is refused. */
  async start(session: SessionStart): Promise<boolean> {
    const started = this.ctx.storage.transactionSync(() => {
      if (this.row()) return false;
      this.ctx.storage.sql.exec(
        "INSERT INTO session (id, secret_hash, user_id, user_name, user_epoch, auth_time, amr, expires_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        session.secretHash,
        session.userId,
        session.userName,
        session.userEpoch,
        session.authTime,
        JSON.stringify(session.amr),
        session.expiresAt,
      );
      return true;
    });
    if (started) await this.ctx.storage.setAlarm(session.expiresAt);
    return started;
  }

  /** The live session the cookie's secret opens, or null. */
  check(secretHash: string): SessionView | null {
    const row = this.row();
    if (!row || row.secret_hash !== secretHash || row.ended_at !== null || row.expires_at <= now()) return null;
    return {
      sessionId: this.ctx.id.toString(),
      userId: row.user_id,
      userName: row.user_name,
      userEpoch: row.user_epoch,
      authTime: row.auth_time,
      amr: parseAmr(row.amr),
    };
  }

  /** The same user logged in again in this browser (prompt=login, max_age): the login is now. */
  reauthenticate(secretHash: string, login: { userEpoch: number; authTime: number; amr: string[] }): SessionView | null {
    return this.ctx.storage.transactionSync(() => {
      if (!this.check(secretHash)) return null;
      this.ctx.storage.sql.exec(
        "UPDATE session SET user_epoch = ?, auth_time = ?, amr = ? WHERE id = 1",
        login.userEpoch,
        login.authTime,
        JSON.stringify(login.amr),
      );
      return this.check(secretHash);
    });
  }

  /**
   * A code was issued through this session by the grant object `objectId` (the Worker calls this
   * only for a session it has just checked). False when the session ended meanwhile.
   */
  recordGrant(objectId: string): boolean {
    const row = this.row();
    if (!row || row.ended_at !== null) return false;
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO grants (object_id) VALUES (?)", objectId);
    return true;
  }

  /**
   * Ends the session (logout, or a new login in the same browser) and, as WSO2's "revoke tokens
   * upon user logout", revokes every token issued through it before answering. A grant object
   * that cannot be reached stays listed and is retried from the alarm. False if it was not live.
   */
  async end(secretHash: string): Promise<boolean> {
    const ended = this.ctx.storage.transactionSync(() => {
      if (!this.check(secretHash)) return false;
      this.ctx.storage.sql.exec("UPDATE session SET ended_at = ? WHERE id = 1", now());
      return true;
    });
    if (ended && !(await this.revokeGrants())) await this.ctx.storage.setAlarm(now() + RETRY_MS);
    return ended;
  }

  /** Retries revocations after a logout; deletes everything once the session has expired. */
  override async alarm(): Promise<void> {
    const row = this.row();
    const revoked = row?.ended_at != null ? await this.revokeGrants() : true;
    if (!revoked) await this.ctx.storage.setAlarm(now() + RETRY_MS);
    else if (row && row.expires_at > now()) await this.ctx.storage.setAlarm(row.expires_at);
    else await this.ctx.storage.deleteAll();
  }

  /** True when every grant object of the session has revoked the session's tokens. */
  private async revokeGrants(): Promise<boolean> {
    const sessionId = this.ctx.id.toString();
    const ids = this.ctx.storage.sql.exec<{ object_id: string }>("SELECT object_id FROM grants").toArray().map((row) => row.object_id);
    const results = await Promise.all(
      ids.map(async (objectId) => {
        try {
          await this.env.GRANTS.get(this.env.GRANTS.idFromString(objectId)).revokeSession(sessionId);
          this.ctx.storage.sql.exec("DELETE FROM grants WHERE object_id = ?", objectId);
          return true;
        } catch (error) {
          console.error("session revocation failed, will retry:", error instanceof Error ? error.name : "unknown");
          return false;
        }
      }),
    );
    return results.every(Boolean);
  }

  private row(): SessionRow | null {
    return this.ctx.storage.sql.exec<SessionRow>("SELECT * FROM session WHERE id = 1").toArray()[0] ?? null;
  }
}

function parseAmr(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw new Error("stored session amr is malformed");
  return value;
}
