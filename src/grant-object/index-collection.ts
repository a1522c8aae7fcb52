import type { Env } from "../env";
import { REGISTRY_OBJECT_NAME } from "../protocol/registry-rpc";
import { now } from "../runtime/clock";
import { wakeBy } from "../store/alarm";
import { clearGrantRows } from "./schema";
import type { GrantStorage } from "./transaction";

/** Past the last expiry, for requests still on their way and clocks that disagree a little. */
export const COLLECTION_SLACK_MS = 60_000;
/** When a check found a request under way, KV writes still queued, or the registry unreachable. */
export const COLLECTION_RECHECK_MS = 60_000;

/**
 * SPEC §14, bounded growth: a grant object leaves the registry's grant index once nothing it
 * issued can be used any more (every token and code expired), and forgets its rows, so the index,
 * the per-client and per-user key counts and the object's storage shrink back. The next request of
 * the key joins again, like a new key, and is checked against the current epochs then.
 *
 * The one race that matters: a request that relies on the object being indexed while the object
 * is leaving. So the object leaves only when no request is under way, and holds every other event
 * (blockConcurrencyWhile) until the registry has answered; a request arriving meanwhile finds the
 * object unindexed and joins again afterwards.
 */
export class IndexCollection {
  private running = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly storage: GrantStorage,
  ) {}

  /** Runs a request, counted: the object never leaves the index while one is under way. */
  async during<T>(request: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await request();
    } finally {
      this.running -= 1;
    }
  }

  /** After the object joined the index: look again once the tokens of that request have expired. */
  arm(horizonMs: number): Promise<void> {
    return wakeBy(this.ctx.storage, now() + horizonMs + COLLECTION_SLACK_MS);
  }

  /**
   * When the object starts: an indexed object with no alarm (indexed before collection existed)
   * gets its check armed. A new object is not indexed yet, so this costs it nothing.
   */
  async resume(): Promise<void> {
    if (!this.storage.meta.isIndexed() || (await this.ctx.storage.getAlarm()) !== null) return;
    // No alarm at all, so nothing earlier to keep (wakeBy would read it again).
    await this.ctx.storage.setAlarm(Math.max(now(), this.lastUse() ?? 0) + COLLECTION_SLACK_MS);
  }

  /** From the alarm: leave the index if nothing is usable, else look again when it will not be. */
  async check(): Promise<void> {
    const { meta, outbox } = this.storage;
    if (!meta.isIndexed() && !meta.isLeaving()) return;
    const at = now();
    const lastUse = this.lastUse();
    if (lastUse !== null && lastUse + COLLECTION_SLACK_MS > at) return wakeBy(this.ctx.storage, lastUse + COLLECTION_SLACK_MS);
    if (this.running > 0 || outbox.pendingCount() > 0) return wakeBy(this.ctx.storage, at + COLLECTION_RECHECK_MS);
    await this.ctx.blockConcurrencyWhile(() => this.leave());
  }

  /**
   * From the alarm of an object without tables: a join armed this check and then the request's
   * first transaction never committed (grant-index.ts), so the registry may list an object that
   * holds nothing and does not know it is indexed. It leaves, unless a request is under way (that
   * one records the membership itself).
   */
  async checkUnrecorded(): Promise<void> {
    if (this.running > 0) return wakeBy(this.ctx.storage, now() + COLLECTION_RECHECK_MS);
    // Neither indexed nor leaving by its own facts, so leave() only tells the registry.
    await this.ctx.blockConcurrencyWhile(() => this.leave());
  }

  /** The latest time anything this object holds can still be used (a token, a code), or null. */
  private lastUse(): number | null {
    return this.ctx.storage.sql
      .exec<{ at: number | null }>(
        `SELECT max(at) AS at FROM (SELECT max(expires_at) AS at FROM access_tokens
           UNION ALL SELECT max(expires_at) FROM refresh_tokens UNION ALL SELECT max(keep_until) FROM codes)`,
      )
      .one().at;
  }

  /** Runs with every other event held; must not throw (that would reset the object). */
  private async leave(): Promise<void> {
    const { meta } = this.storage;
    try {
      if (meta.isIndexed()) {
        this.ctx.storage.transactionSync(() => {
          clearGrantRows(this.ctx.storage.sql);
          meta.reset();
          meta.markLeaving();
        });
      }
      await this.env.REGISTRY.getByName(REGISTRY_OBJECT_NAME).leaveGrantIndex(this.ctx.id.toString());
      if (meta.isLeaving()) this.ctx.storage.transactionSync(() => meta.doneLeaving());
    } catch (error) {
      // Still marked as leaving (or still without tables): the alarm tries again. Meanwhile a request simply joins again.
      console.error("leaving the grant index failed, will retry:", error instanceof Error ? error.name : "unknown");
      await wakeBy(this.ctx.storage, now() + COLLECTION_RECHECK_MS).catch(() => undefined);
    }
  }
}
