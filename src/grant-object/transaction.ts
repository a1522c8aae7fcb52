import type { Fence } from "../protocol/fence";
import type { KvWrite, Outbox, QueuedWrite } from "../store/outbox";
import { revocationRecordWrite, tokenRecordWrite } from "../store/token-status";
import { highest, isBehind, raises } from "./fence";
import type { AccessRow, RefreshRow } from "./issue-decision";
import type { GrantMeta } from "./meta";
import type { MintedToken } from "./minter";
import { tokenRecordOf, type RecordContext } from "./token-records";
import type { TokenPair, TokenRows } from "./token-rows";

/** Where a grant object keeps its state: the token tables, its meta facts, its outbox. */
export interface GrantStorage {
  rows: TokenRows;
  meta: GrantMeta;
  outbox: Outbox;
}

/** A new access token to store: the minted string and what it grants. */
export interface NewAccess {
  token: MintedToken;
  scope: string;
  format: string;
  refreshId: string | null;
  grantType: string;
  epochs: Fence;
  lifetimeMs: number;
  sessionId: string | null;
  familyId: string;
}

export interface NewRefresh {
  token: MintedToken;
  grantType: string;
  /** The lineage's start and origin grant; a new lineage starts now with `grantType`. */
  family?: { startedAt: number; originGrant: string | null };
  epochs: Fence;
  lifetimeMs: number;
  sessionId: string | null;
  familyId: string;
}

/**
 * The unit of work of one request inside its synchronous SQLite transaction: every row it adds or
 * retires, and the KV writes that follow (queued in the outbox in the same transaction, so they
 * commit together). End the transaction's body with `queueWrites()`: it puts what was collected
 * into the outbox (one statement for all of it) and returns what the request publishes afterwards.
 */
export class GrantTransaction {
  private readonly collected: KvWrite[] = [];

  constructor(
    private readonly storage: GrantStorage,
    private readonly context: RecordContext,
    readonly now: number,
  ) {}

  queueWrites(): readonly QueuedWrite[] {
    return this.storage.outbox.enqueueAll(this.collected.splice(0));
  }

  retireAccess(row: AccessRow): void {
    this.retire("access_tokens", row);
  }

  retireRefresh(row: RefreshRow): void {
    this.retire("refresh_tokens", row);
  }

  retirePair(pair: TokenPair): this {
    pair.access.forEach((row) => this.retireAccess(row));
    pair.refresh.forEach((row) => this.retireRefresh(row));
    return this;
  }

  addAccess(access: NewAccess): void {
    const { token, epochs, lifetimeMs, ...grant } = access;
    // Self-contained (JWT) access tokens name their audience, the client (RFC 9068), in the record too.
    const aud = access.format === "jwt" ? this.context.key.clientId : undefined;
    const row: AccessRow = { id: token.id, hash: token.hash, issuedAt: this.now, expiresAt: this.now + lifetimeMs, ...epochs, ...grant };
    this.storage.rows.insertAccess(row);
    this.record({ kind: "access", scope: access.scope, grantType: access.grantType, row, ...(aud ? { aud } : {}) });
  }

  /** Stores a new refresh token of the grant's whole scope; returns its id. */
  addRefresh(refresh: NewRefresh): string {
    const { token, epochs, lifetimeMs, sessionId, familyId } = refresh;
    const family = refresh.family ?? { startedAt: this.now, originGrant: refresh.grantType };
    const row: RefreshRow = {
      id: token.id,
      hash: token.hash,
      issuedAt: this.now,
      expiresAt: this.now + lifetimeMs,
      ...epochs,
      sessionId,
      familyId,
      familyStartedAt: family.startedAt,
      originGrant: family.originGrant,
    };
    this.storage.rows.insertRefresh(row);
    this.record({ kind: "refresh", scope: this.context.key.scope, grantType: refresh.grantType, row });
    return row.id;
  }

  /**
   * Raises the object's fence to `fence` and retires every token issued under older epochs.
   * Tokens issued under the new credentials survive, so a late or retried fan-out never kills them.
   * `created`: the tables were made in this transaction (schema.ts), so there is nothing to retire.
   */
  raiseFence(fence: Fence, created = false): void {
    const { meta, rows } = this.storage;
    if (!raises(meta.fence(), fence)) return;
    const raised = highest(meta.fence(), fence);
    meta.setFence(raised);
    if (created) return;
    for (const row of rows.allAccess()) if (isBehind(row, raised)) this.retireAccess(row);
    for (const row of rows.allRefresh()) if (isBehind(row, raised)) this.retireRefresh(row);
  }

  /** Deletes a token's row; if it still had time left, KV gets its revocation record. */
  private retire(table: "access_tokens" | "refresh_tokens", row: AccessRow | RefreshRow): void {
    this.storage.rows.delete(table, row.id);
    if (row.expiresAt > this.now) this.collected.push(revocationRecordWrite(row.hash, row.expiresAt, this.now));
  }

  private record(token: Parameters<typeof tokenRecordOf>[1]): void {
    this.collected.push(tokenRecordWrite(token.row.hash, tokenRecordOf(this.context, token)));
  }
}
