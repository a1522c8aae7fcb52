import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { OUTBOX_SCHEMA, Outbox } from "../store/outbox";
import { clientCacheKey } from "../store/client-cache";
import { randomBytes, toBase64Url } from "../tokens/encoding";
import { sha256 } from "../tokens/hash";
import type { ClientMetadata, ClientRecord } from "./client";

interface ClientRow extends Record<string, SqlStorageValue> {
  client_id: string;
  record: string;
}

/**
 * The registry's source of truth: one object (named "registry") with SQLite storage, strongly
 * consistent. Every change is also written to the REGISTRY_CACHE KV projection that the token
 * hot path reads; projection writes go through an outbox, flushed in order, since a client's KV
 * key is written more than once over its life (create, delete).
 */
export class RegistryObject extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private flushing: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage.sql, () => this.env.REGISTRY_CACHE);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, record TEXT NOT NULL)",
      );
      ctx.storage.sql.exec(OUTBOX_SCHEMA);
    });
  }

  /** Registers a client; the only time its secret exists in clear is this return value. */
  async createClient(metadata: ClientMetadata): Promise<{ client: ClientRecord; clientSecret: string }> {
    const clientSecret = toBase64Url(randomBytes(32));
    const client: ClientRecord = {
      client_id: toBase64Url(randomBytes(18)),
      ...metadata,
      secret_hash: await sha256(clientSecret),
      client_id_issued_at: Math.floor(Date.now() / 1000),
    };
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(
        "INSERT INTO clients (client_id, record) VALUES (?, ?)",
        client.client_id,
        JSON.stringify(client),
      );
      this.outbox.enqueue({
        op: "put",
        key: clientCacheKey(client.client_id),
        value: JSON.stringify(client),
        expiresAt: null,
      });
    });
    await this.publish();
    return { client, clientSecret };
  }

  getClient(clientId: string): ClientRecord | null {
    const row = this.ctx.storage.sql
      .exec<ClientRow>("SELECT * FROM clients WHERE client_id = ?", clientId)
      .toArray()[0];
    return row ? (JSON.parse(row.record) as ClientRecord) : null;
  }

  /** The longest per-client access token lifetime (seconds), or null when no client sets one. */
  maxAccessTokenLifetime(): number | null {
    return this.ctx.storage.sql
      .exec<{ n: number | null }>("SELECT max(json_extract(record, '$.access_token_lifetime')) AS n FROM clients")
      .one().n;
  }

  /** Deletes a client; false when it did not exist. */
  async deleteClient(clientId: string): Promise<boolean> {
    const deleted = this.ctx.storage.transactionSync(() => {
      const cursor = this.ctx.storage.sql.exec("DELETE FROM clients WHERE client_id = ?", clientId);
      if (cursor.rowsWritten === 0) return false;
      this.outbox.enqueue({ op: "delete", key: clientCacheKey(clientId) });
      return true;
    });
    if (deleted) await this.publish();
    return deleted;
  }

  override async alarm(): Promise<void> {
    await this.publish();
  }

  /** Flushes the projection writes one flush at a time, so a delete never overtakes its create. */
  private async publish(): Promise<void> {
    const run = this.flushing.then(() => this.outbox.flushInOrder());
    this.flushing = run.catch(() => false);
    if (!(await run)) await this.ctx.storage.setAlarm(Date.now() + 5_000);
  }
}
