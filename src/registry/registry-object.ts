import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { failure, success, type Outcome } from "../protocol/errors";
import { DELETED } from "../protocol/fence";
import type { GrantIndexOutcome, GrantRegistration } from "../protocol/registry-rpc";
import { now } from "../runtime/clock";
import { OUTBOX_SCHEMA, Outbox } from "../store/outbox";
import { Publisher } from "../store/publisher";
import { sha256 } from "../tokens/hash";
import { newClientSecret } from "./client-ids";
import type { ClientMetadata, ClientRecord } from "./client-record";
import { Projection } from "./projection";
import { FANOUT_SCHEMA, RevocationFanout } from "./revocation-fanout";
import { ClientsTable, REGISTRY_TABLES, UsersTable } from "./tables";
import { applyChanges } from "./user-changes";
import type { NewUser, UserChanges, UserRecord } from "./user-record";
import { kvOf } from "../runtime/kv";

/** Retry delay for projection writes (also KV's per-key spacing) and revocations. */
const RETRY_MS = 2_000;
/** When the fan-out's next page runs (after this request's answer, before other admin work piles up). */
const NEXT_PAGE_MS = 1_000;

const NO_CLIENT = "no client with that client_id";
const NO_USER = "no user with that id";

/**
 * The registry's source of truth: one object (named "registry") with SQLite storage, strongly
 * consistent, holding clients, users and the grant-object index. Every change is also written to
 * the REGISTRY_CACHE KV projection that the token hot path reads; projection writes go through an
 * outbox flushed in order, since a key there is written more than once over its life.
 */
export class RegistryObject extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private readonly publisher: Publisher;
  private readonly projection: Projection;
  private readonly fanout: RevocationFanout;
  private readonly clients: ClientsTable;
  private readonly users: UsersTable;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage.sql, () => kvOf(this.env, "REGISTRY_CACHE"));
    this.publisher = new Publisher(this.outbox, ctx.storage, () => RETRY_MS);
    this.projection = new Projection(this.outbox);
    this.fanout = new RevocationFanout(ctx.storage.sql, env);
    this.clients = new ClientsTable(ctx.storage.sql);
    this.users = new UsersTable(ctx.storage.sql);
    for (const statement of [...REGISTRY_TABLES, OUTBOX_SCHEMA, ...FANOUT_SCHEMA]) ctx.storage.sql.exec(statement);
    this.fanout.countKeysOnce();
  }

  // ---- clients -------------------------------------------------------------------------------

  /**
   * Registers a client; the only time its secret exists in clear is this return value.
   * `clientId` is made by the Worker (client-ids.ts: it carries a MAC under TOKEN_SECRET).
   */
  async createClient(metadata: ClientMetadata, clientId: string): Promise<{ client: ClientRecord; clientSecret: string | null }> {
    const clientSecret = metadata.token_endpoint_auth_method === "none" ? null : newClientSecret();
    const client: ClientRecord = {
      v: 1,
      client_id: clientId,
      ...metadata,
      ...(clientSecret ? { secret_hash: await sha256(clientSecret) } : {}),
      epoch: 1,
      client_id_issued_at: Math.floor(now() / 1000),
    };
    this.ctx.storage.transactionSync(() => {
      this.clients.insert(client);
      this.projection.putClient(client);
    });
    await this.settle();
    return { client, clientSecret };
  }

  /** The hot path's fall-back when the KV projection has no record (yet). */
  findClient(clientId: string): ClientRecord | null {
    return this.clients.get(clientId);
  }

  getClient(clientId: string): Outcome<ClientRecord> {
    const client = this.clients.get(clientId);
    return client ? success(client) : failure("not_found", NO_CLIENT);
  }

  /** RFC 7592 update: the metadata is replaced; credentials and tokens are left as they are. */
  async updateClient(clientId: string, metadata: ClientMetadata): Promise<Outcome<ClientRecord>> {
    const current = this.clients.get(clientId);
    if (current && (current.token_endpoint_auth_method === "none") !== (metadata.token_endpoint_auth_method === "none")) {
      return failure("invalid_client_metadata", "a client cannot change between public (none) and confidential; register a new one");
    }
    return this.changeClient(clientId, (current) => {
      const { v, client_id, secret_hash, epoch, client_id_issued_at } = current;
      return { v, client_id, ...metadata, ...(secret_hash ? { secret_hash } : {}), epoch, client_id_issued_at };
    });
  }

  /** A new secret; the old one stops working, and so does every token issued under it. */
  async rotateClientSecret(clientId: string): Promise<Outcome<{ client: ClientRecord; clientSecret: string }>> {
    if (this.clients.get(clientId)?.token_endpoint_auth_method === "none") {
      return failure("invalid_request", "a public client has no secret to rotate");
    }
    const clientSecret = newClientSecret();
    const secretHash = await sha256(clientSecret);
    const rotated = await this.changeClient(clientId, (current) => ({ ...current, secret_hash: secretHash, epoch: current.epoch + 1 }));
    return rotated.ok ? success({ client: rotated.value, clientSecret }) : rotated;
  }

  /** Deletes a client and kills its tokens. */
  async deleteClient(clientId: string): Promise<Outcome<"deleted">> {
    const deleted = this.ctx.storage.transactionSync(() => {
      if (!this.clients.delete(clientId)) return false;
      this.projection.deleteClient(clientId);
      this.fanout.queueForClient(clientId, DELETED);
      return true;
    });
    if (!deleted) return failure("not_found", NO_CLIENT);
    await this.settle();
    return success("deleted");
  }

  /** The longest access token lifetime (seconds) any client has ever had, or null when none set one. */
  maxAccessTokenLifetime(): number | null {
    return this.clients.lifetimeHighWater();
  }

  // ---- users ---------------------------------------------------------------------------------

  /** Creates a user; a conflict when the userName (case-insensitively) is taken or reserved. */
  async createUser(input: NewUser, reservedNames: string[]): Promise<Outcome<UserRecord>> {
    const taken = failure("conflict", `a user named "${input.userName}" already exists`);
    if (reservedNames.some((name) => name.toLowerCase() === input.userName.toLowerCase())) return taken;
    const at = new Date(now()).toISOString();
    const created = this.ctx.storage.transactionSync(() => {
      if (this.users.findByName(input.userName)) return null;
      const user: UserRecord = { v: 1, id: crypto.randomUUID(), ...input, epoch: this.users.nextEpoch(input.userName), created: at, lastModified: at };
      this.users.insert(user);
      this.projection.putUser(user);
      return user;
    });
    if (!created) return taken;
    await this.settle();
    return success(created);
  }

  getUser(id: string): Outcome<UserRecord> {
    const user = this.users.get(id);
    return user ? success(user) : failure("not_found", NO_USER);
  }

  findUserByName(userName: string): UserRecord | null {
    return this.users.findByName(userName);
  }

  listUsers(startIndex: number, count: number): { total: number; users: UserRecord[] } {
    return this.users.page(startIndex, count);
  }

  /** Applies a PATCH. A new password or deactivation raises the epoch and kills the user's tokens. */
  async patchUser(id: string, changes: UserChanges): Promise<Outcome<UserRecord>> {
    const user = this.ctx.storage.transactionSync(() => {
      const current = this.users.get(id);
      if (!current) return null;
      const revokes = changes.password !== undefined || (changes.active === false && current.active);
      const epoch = revokes ? this.users.nextEpoch(current.userName) : current.epoch;
      const patched: UserRecord = { ...applyChanges(current, changes), epoch, lastModified: new Date(now()).toISOString() };
      this.users.update(patched);
      this.projection.putUser(patched);
      if (revokes) this.fanout.queueForUser(current.userName, epoch);
      return patched;
    });
    if (!user) return failure("not_found", NO_USER);
    await this.settle();
    return success(user);
  }

  async deleteUser(id: string): Promise<Outcome<"deleted">> {
    const deleted = this.ctx.storage.transactionSync(() => {
      const current = this.users.get(id);
      if (!current) return false;
      this.users.delete(id);
      this.projection.deleteUser(current.userName);
      this.fanout.queueForUser(current.userName, this.users.nextEpoch(current.userName));
      return true;
    });
    if (!deleted) return failure("not_found", NO_USER);
    await this.settle();
    return success("deleted");
  }

  // ---- grant index ---------------------------------------------------------------------------

  /**
   * Records a grant object before its first token. Stale when the client or user changed (or
   * went) since the request was authenticated: the object must then refuse it.
   */
  indexGrant(registration: GrantRegistration): GrantIndexOutcome {
    return this.ctx.storage.transactionSync(() => {
      const client = this.clients.get(registration.clientId);
      if (!client || client.epoch > registration.fence.clientEpoch) return "stale_client";
      const { username } = registration;
      if (username && this.users.epoch(username) > registration.fence.userEpoch) return "stale_user";
      return this.fanout.admit(registration.objectId, registration.clientId, username || null, registration.limits);
    });
  }

  /** A grant object with nothing left that could be used (see grant-object/index-collection.ts). */
  leaveGrantIndex(objectId: string): void {
    this.ctx.storage.transactionSync(() => this.fanout.unindex(objectId));
  }

  override async alarm(): Promise<void> {
    await this.settle();
  }

  private async changeClient(clientId: string, change: (current: ClientRecord) => ClientRecord): Promise<Outcome<ClientRecord>> {
    const changed = this.ctx.storage.transactionSync(() => {
      const current = this.clients.get(clientId);
      if (!current) return null;
      const next = change(current);
      this.clients.update(next);
      this.projection.putClient(next);
      if (next.epoch > current.epoch) this.fanout.queueForClient(clientId, next.epoch);
      return next;
    });
    if (!changed) return failure("not_found", NO_CLIENT);
    await this.settle();
    return success(changed);
  }

  /**
   * Publishes the projection (newest value per key, one flush at a time, so a delete never
   * overtakes its put) and works off queued token revocations; whatever fails is retried from the
   * alarm. The fan-out needs no KV: a projection write that fails must not hold back revocations.
   */
  private async settle(): Promise<void> {
    // A step that throws (SQLite, not KV or a grant object: those failures come back as values) is retried like a failed one.
    const { projected, revoked } = await this.publisher.oneAtATime(
      async () => ({ projected: await this.outbox.flushLatestPerKey(), revoked: await this.fanout.process() }),
      { projected: false, revoked: "failed" },
    );
    // More pages: go on from the alarm a moment later, so the next admin request is not held up.
    if (revoked === "more" && projected) await this.ctx.storage.setAlarm(now() + NEXT_PAGE_MS);
    else if (!projected || revoked !== "done") await this.publisher.scheduleRetry();
  }
}
