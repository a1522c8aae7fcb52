import type { Env } from "../env";
import type { ClientRecord } from "../registry/client";

/**
 * The token hot path's view of the registry: the KV projection first (`c:<client_id>`, written by
 * the registry object), the registry object itself on a miss, so a client registered a moment
 * ago (not yet visible in KV at this location) works at once.
 */
export const clientCacheKey = (clientId: string): string => `c:${clientId}`;

export async function findClient(env: Env, clientId: string): Promise<ClientRecord | null> {
  const cached = await env.REGISTRY_CACHE.get<ClientRecord>(clientCacheKey(clientId), "json");
  if (cached) return cached;
  return env.REGISTRY.getByName("registry").getClient(clientId);
}
