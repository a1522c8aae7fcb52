import type { Env } from "../env";
import type { Fence } from "../protocol/fence";
import { REGISTRY_OBJECT_NAME, type GrantIndexOutcome, type KeyLimits } from "../protocol/registry-rpc";
import type { GrantKey } from "./key";
import type { IssueSettings } from "./grant-rpc";
import type { IndexCollection } from "./index-collection";
import type { GrantMeta } from "./meta";

type Lifetimes = Pick<IssueSettings, "accessTokenLifetimeMs" | "refreshTokenLifetimeMs">;

/**
 * A grant object's membership of the registry's grant index. The object registers before its
 * first token, so a later credential change or deletion reaches it (see
 * registry/revocation-fanout.ts); anything but "indexed" means the registry already knows the
 * request's credentials are outdated. Concurrent first requests under the same credentials share
 * one registry call (a burst on a new key costs one, not one each); requests under other epochs
 * make their own, so none is vouched for by another's answer. The object records its membership
 * in the transaction of the request that joined, so it commits with that request's tokens (a new
 * object's first commit, see schema.ts).
 */
export class GrantIndexMembership {
  private readonly pending = new Map<string, Promise<GrantIndexOutcome>>();

  constructor(
    private readonly env: Env,
    private readonly meta: GrantMeta,
    private readonly objectId: string,
    private readonly collection: IndexCollection,
  ) {}

  /** `lifetimes`: the request's, to know when to look at collecting the object (index-collection.ts). */
  join(key: GrantKey, fence: Fence, limits: KeyLimits, lifetimes: Lifetimes): Promise<GrantIndexOutcome> {
    if (this.meta.isIndexed()) return Promise.resolve("indexed");
    const name = `${fence.clientEpoch}/${fence.userEpoch}`;
    let pending = this.pending.get(name);
    if (!pending) {
      pending = this.register(key, fence, limits, Math.max(lifetimes.accessTokenLifetimeMs, lifetimes.refreshTokenLifetimeMs));
      this.pending.set(name, pending);
      const forget = () => this.pending.delete(name);
      pending.then(forget, forget);
    }
    return pending;
  }

  /** Inside the transaction of a request whose join answered "indexed". */
  record(): void {
    if (!this.meta.isIndexed()) this.meta.markIndexed();
  }

  private async register(key: GrantKey, fence: Fence, limits: KeyLimits, horizonMs: number): Promise<GrantIndexOutcome> {
    const registration = { objectId: this.objectId, clientId: key.clientId, username: key.username, fence, limits };
    const outcome = await this.env.REGISTRY.getByName(REGISTRY_OBJECT_NAME).indexGrant(registration);
    // Armed before any request of the join goes on, so they all answer in the order they commit
    // (issue 12). Joins under other epochs may answer too: arming again changes nothing. An object
    // whose first transaction then fails leaves the index when the alarm fires (checkUnrecorded).
    if (outcome === "indexed" && !this.meta.isIndexed()) await this.collection.arm(horizonMs);
    return outcome;
  }
}
