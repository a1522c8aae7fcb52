import type { Env } from "../env";
import type { Fence } from "../protocol/fence";
import { REGISTRY_OBJECT_NAME, type GrantIndexOutcome, type KeyLimits } from "../protocol/registry-rpc";
import type { GrantKey } from "./key";
import type { IssueSettings } from "./grant-rpc";
import type { IndexCollection } from "./index-collection";
import type { GrantMeta } from "./meta";

/**
 * Registers a grant object in the registry's grant index before its first token, so a later
 * credential change or deletion reaches it (see registry/revocation-fanout.ts). Anything but
 * "indexed" means the registry already knows the request's credentials are outdated.
 */
export async function joinGrantIndex(
  env: Env,
  meta: GrantMeta,
  grant: { objectId: string; key: GrantKey; fence: Fence; limits: KeyLimits; collection: IndexCollection; horizonMs: number },
): Promise<GrantIndexOutcome> {
  const outcome = await env.REGISTRY.getByName(REGISTRY_OBJECT_NAME).indexGrant({
    objectId: grant.objectId,
    clientId: grant.key.clientId,
    username: grant.key.username,
    fence: grant.fence,
    limits: grant.limits,
  });
  if (outcome === "indexed" && !meta.isIndexed()) {
    meta.markIndexed();
    await grant.collection.arm(grant.horizonMs);
  }
  return outcome;
}

type Lifetimes = Pick<IssueSettings, "accessTokenLifetimeMs" | "refreshTokenLifetimeMs">;

/**
 * A grant object's membership of the grant index. Concurrent first requests under the same
 * credentials share one registry call (a burst on a new key costs one, not one each); requests
 * under other epochs make their own, so none is vouched for by another's answer.
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
    const horizonMs = Math.max(lifetimes.accessTokenLifetimeMs, lifetimes.refreshTokenLifetimeMs);
    if (this.meta.isIndexed()) return Promise.resolve("indexed");
    const name = `${fence.clientEpoch}/${fence.userEpoch}`;
    let pending = this.pending.get(name);
    if (!pending) {
      pending = joinGrantIndex(this.env, this.meta, { objectId: this.objectId, key, fence, limits, collection: this.collection, horizonMs });
      this.pending.set(name, pending);
      const forget = () => this.pending.delete(name);
      pending.then(forget, forget);
    }
    return pending;
  }
}
