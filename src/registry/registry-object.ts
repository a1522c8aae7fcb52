import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { clientCacheKey, userCacheKey } from "../store/registry-cache";
import { OUTBOX_SCHEMA, Outbox } from "../store/outbox";
import { randomBytes, toBase64Url } from "../tokens/encoding";
import { sha256 } from "../tokens/hash";
import type { ClientMetadata, ClientRecord } from "./client";
import type { PasswordHash } from "./password-hash";
import { DELETED, FANOUT_SCHEMA, RevocationFanout, type Fence } from "./revocation-fanout";
import type { UserInput, UserPatch } from "./scim-input";
import { credentialsOf, userNameKey, type UserRecord } from "./user";

/** A new user as the SCIM endpoint hands it over: validated, the password already hashed. */
export type NewUser = Omit<UserInput, "password"> & { password: PasswordHash };

/** A PATCH as the registry applies it: validated, the password already hashed. */
export type UserChanges = Omit<UserPatch, "password"> & { password?: PasswordHash };

/** A grant object registering itself before its first token (see RevocationFanout). */
export interface GrantRegistration {
  objectId: string;
  clientId: string;
  username: string; // empty for client_credentials
  fence: Fence; // the epochs the request was authenticated under
}

/** Retry delay for projection writes (also KV's per-key spacing) and revocations. */
const RETRY_MS = 2_000;

export type GrantIndexOutcome = "indexed" | "stale_client" | "stale_user";

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, record TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, user_key TEXT NOT NULL UNIQUE, record TEXT NOT NULL)",
  // Outlives the user, so a re-created userName starts above every epoch its predecessor had.
  "CREATE TABLE IF NOT EXISTS user_epochs (user_key TEXT PRIMARY KEY, epoch INTEGER NOT NULL)",
  // The longest access token lifetime any client was ever given: lowering one later does not
  // shorten tokens already issued, and key rotation must keep their signing key published.
  "CREATE TABLE IF NOT EXISTS lifetime_high_water (id INTEGER PRIMARY KEY CHECK (id = 1), seconds INTEGER NOT NULL)",
  OUTBOX_SCHEMA,
  ...FANOUT_SCHEMA,
];

/**
 * The registry's source of truth: one object (named "registry") with SQLite storage, strongly
 * consistent, holding clients, users and the grant-object index. Every change is also written to
 * the REGISTRY_CACHE KV projection that the token hot path reads; projection writes go through an
 * outbox flushed in order, since a key there is written more than once over its life.
 */
export class RegistryObject extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private readonly fanout: RevocationFanout;
  private flushing: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage.sql, () => this.env.REGISTRY_CACHE);
    this.fanout = new RevocationFanout(ctx.storage.sql, env);
    for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
  }

  // ---- clients -------------------------------------------------------------------------------

  /** Registers a client; the only time its secret exists in clear is this return value. */
  async createClient(metadata: ClientMetadata): Promise<{ client: ClientRecord; clientSecret: string }> {
    const clientSecret = newSecret();
    const client: ClientRecord = {
      client_id: toBase64Url(randomBytes(18)),
      ...metadata,
      secret_hash: await sha256(clientSecret),
      epoch: 1,
      client_id_issued_at: Math.floor(Date.now() / 1000),
    };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO clients (client_id, record) VALUES (?, ?)", client.client_id, JSON.stringify(client));
      this.projectClient(client);
    });
    await this.settle();
    return { client, clientSecret };
  }

  getClient(clientId: string): ClientRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM clients WHERE client_id = ?", clientId).toArray()[0];
    return row ? (JSON.parse(row.record) as ClientRecord) : null;
  }

  /** RFC 7592 update: the metadata is replaced; credentials and tokens are left as they are. */
  async updateClient(clientId: string, metadata: ClientMetadata): Promise<ClientRecord | null> {
    const updated = this.ctx.storage.transactionSync(() => {
      const current = this.getClient(clientId);
      if (!current) return null;
      const { client_id, secret_hash, epoch, client_id_issued_at } = current;
      const client: ClientRecord = { client_id, ...metadata, secret_hash, epoch, client_id_issued_at };
      this.saveClient(client);
      return client;
    });
    if (updated) await this.settle();
    return updated;
  }

  /** A new secret; the old one stops working, and so does every token issued under it. */
  async rotateClientSecret(clientId: string): Promise<{ client: ClientRecord; clientSecret: string } | null> {
    const clientSecret = newSecret();
    const secretHash = await sha256(clientSecret);
    const client = this.ctx.storage.transactionSync(() => {
      const current = this.getClient(clientId);
      if (!current) return null;
      const rotated: ClientRecord = { ...current, secret_hash: secretHash, epoch: current.epoch + 1 };
      this.saveClient(rotated);
      this.fanout.queueForClient(clientId, rotated.epoch);
      return rotated;
    });
    if (!client) return null;
    await this.settle();
    return { client, clientSecret };
  }

  /** Deletes a client and kills its tokens; false when it did not exist. */
  async deleteClient(clientId: string): Promise<boolean> {
    const deleted = this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("DELETE FROM clients WHERE client_id = ?", clientId).rowsWritten === 0) return false;
      this.outbox.enqueue({ op: "delete", key: clientCacheKey(clientId) });
      this.fanout.queueForClient(clientId, DELETED);
      return true;
    });
    if (deleted) await this.settle();
    return deleted;
  }

  /** The longest access token lifetime (seconds) any client has ever had, or null when none set one. */
  maxAccessTokenLifetime(): number | null {
    return this.sql.exec<{ seconds: number }>("SELECT seconds FROM lifetime_high_water WHERE id = 1").toArray()[0]?.seconds ?? null;
  }

  // ---- users ---------------------------------------------------------------------------------

  /** Creates a user; `conflict` when the userName (case-insensitively) is taken. */
  async createUser(input: NewUser, reservedNames: string[]): Promise<{ user: UserRecord } | { conflict: true }> {
    const key = userNameKey(input.userName);
    if (reservedNames.map(userNameKey).includes(key)) return { conflict: true };
    const now = new Date().toISOString();
    const result = this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM users WHERE user_key = ?", key).toArray().length > 0) return { conflict: true as const };
      const user: UserRecord = { id: crypto.randomUUID(), ...input, epoch: this.nextUserEpoch(key), created: now, lastModified: now };
      this.sql.exec("INSERT INTO users (id, user_key, record) VALUES (?, ?, ?)", user.id, key, JSON.stringify(user));
      this.projectUser(user);
      return { user };
    });
    await this.settle();
    return result;
  }

  getUser(id: string): UserRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM users WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.record) as UserRecord) : null;
  }

  findUserByName(userName: string): UserRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM users WHERE user_key = ?", userNameKey(userName)).toArray()[0];
    return row ? (JSON.parse(row.record) as UserRecord) : null;
  }

  listUsers(startIndex: number, count: number): { total: number; users: UserRecord[] } {
    const total = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM users").one().n;
    const users = this.sql
      .exec<{ record: string }>("SELECT record FROM users ORDER BY user_key LIMIT ? OFFSET ?", count, startIndex - 1)
      .toArray()
      .map((row) => JSON.parse(row.record) as UserRecord);
    return { total, users };
  }

  /** Applies a PATCH. A new password or deactivation raises the epoch and kills the user's tokens. */
  async patchUser(id: string, changes: UserChanges): Promise<UserRecord | null> {
    const user = this.ctx.storage.transactionSync(() => {
      const current = this.getUser(id);
      if (!current) return null;
      const revokes = changes.password !== undefined || (changes.active === false && current.active);
      const key = userNameKey(current.userName);
      const epoch = revokes ? this.nextUserEpoch(key) : current.epoch;
      const patched: UserRecord = { ...applyChanges(current, changes), epoch, lastModified: new Date().toISOString() };
      this.sql.exec("UPDATE users SET record = ? WHERE id = ?", JSON.stringify(patched), id);
      this.projectUser(patched);
      if (revokes) this.fanout.queueForUser(key, epoch);
      return patched;
    });
    if (user) await this.settle();
    return user;
  }

  async deleteUser(id: string): Promise<boolean> {
    const deleted = this.ctx.storage.transactionSync(() => {
      const current = this.getUser(id);
      if (!current) return false;
      const key = userNameKey(current.userName);
      this.sql.exec("DELETE FROM users WHERE id = ?", id);
      this.outbox.enqueue({ op: "delete", key: userCacheKey(key) });
      this.fanout.queueForUser(key, this.nextUserEpoch(key));
      return true;
    });
    if (deleted) await this.settle();
    return deleted;
  }

  // ---- grant index ---------------------------------------------------------------------------

  /**
   * Records a grant object before its first token. False when the client or user changed (or
   * went) since the request was authenticated: the object must then refuse it.
   */
  indexGrant(registration: GrantRegistration): GrantIndexOutcome {
    return this.ctx.storage.transactionSync(() => {
      const client = this.getClient(registration.clientId);
      if (!client || client.epoch > registration.fence.clientEpoch) return "stale_client";
      const userKey = registration.username ? userNameKey(registration.username) : null;
      if (userKey && this.userEpoch(userKey) > registration.fence.userEpoch) return "stale_user";
      this.fanout.index(registration.objectId, registration.clientId, userKey);
      return "indexed";
    });
  }

  override async alarm(): Promise<void> {
    await this.settle();
  }

  // ---- internals -----------------------------------------------------------------------------

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  private saveClient(client: ClientRecord): void {
    this.sql.exec("UPDATE clients SET record = ? WHERE client_id = ?", JSON.stringify(client), client.client_id);
    this.projectClient(client);
  }

  private projectClient(client: ClientRecord): void {
    if (client.access_token_lifetime) {
      this.sql.exec(
        "INSERT INTO lifetime_high_water (id, seconds) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seconds = max(seconds, excluded.seconds)",
        client.access_token_lifetime,
      );
    }
    this.outbox.enqueue({ op: "put", key: clientCacheKey(client.client_id), value: JSON.stringify(client), expiresAt: null });
  }

  private projectUser(user: UserRecord): void {
    const key = userCacheKey(userNameKey(user.userName));
    this.outbox.enqueue({ op: "put", key, value: JSON.stringify(credentialsOf(user)), expiresAt: null });
  }

  private userEpoch(key: string): number {
    return this.sql.exec<{ epoch: number }>("SELECT epoch FROM user_epochs WHERE user_key = ?", key).toArray()[0]?.epoch ?? 0;
  }

  private nextUserEpoch(key: string): number {
    const epoch = this.userEpoch(key) + 1;
    this.sql.exec("INSERT OR REPLACE INTO user_epochs (user_key, epoch) VALUES (?, ?)", key, epoch);
    return epoch;
  }

  /**
   * Publishes the projection (in order, one flush at a time, so a delete never overtakes its
   * put) and works off queued token revocations; whatever fails is retried from the alarm.
   */
  private async settle(): Promise<void> {
    // The fan-out needs no KV: a projection write that fails must not hold back revocations.
    const run = this.flushing.then(async () => {
      const [projected, revoked] = [await this.outbox.flushLatestPerKey(), await this.fanout.process()];
      return projected && revoked;
    });
    this.flushing = run.catch(() => false);
    if (!(await run)) await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
  }
}

function applyChanges(user: UserRecord, changes: UserChanges): UserRecord {
  const { password, active, name, nameParts, emails } = changes;
  const { name: currentName, emails: currentEmails, ...rest } = user;
  const baseName = name === null ? undefined : (name ?? currentName);
  const newName = nameParts ? { ...baseName, ...nameParts } : baseName;
  const newEmails = emails === null ? undefined : (emails ?? currentEmails);
  return {
    ...rest,
    ...(password ? { password } : {}),
    ...(active !== undefined ? { active } : {}),
    ...(newName ? { name: newName } : {}),
    ...(newEmails ? { emails: newEmails } : {}),
  };
}

function newSecret(): string {
  return toBase64Url(randomBytes(32));
}
