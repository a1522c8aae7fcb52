import type { Env } from "../env";
import type { Fence } from "../protocol/fence";
import { REGISTRY_OBJECT_NAME, type GrantIndexOutcome, type KeyLimits } from "../protocol/registry-rpc";
import type { GrantKey } from "./key";
import type { GrantMeta } from "./meta";

/**
 * Registers a grant object in the registry's grant index before its first token, so a later
 * credential change or deletion reaches it (see registry/revocation-fanout.ts). Anything but
 * "indexed" means the registry already knows the request's credentials are outdated.
 */
export async function joinGrantIndex(
  env: Env,
  meta: GrantMeta,
  grant: { objectId: string; key: GrantKey; fence: Fence; limits: KeyLimits },
): Promise<GrantIndexOutcome> {
  const outcome = await env.REGISTRY.getByName(REGISTRY_OBJECT_NAME).indexGrant({
    objectId: grant.objectId,
    clientId: grant.key.clientId,
    username: grant.key.username,
    fence: grant.fence,
    limits: grant.limits,
  });
  if (outcome === "indexed") meta.markIndexed();
  return outcome;
}
