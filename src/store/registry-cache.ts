import type { Env } from "../env";
import type { ClientRecord } from "../registry/client";
import { userNameKey, type UserCredentials } from "../registry/user";

/**
 * The token hot path's view of the registry: the KV projection first (written by the registry
 * object), the registry object itself on a miss, so a client or user created a moment ago (not
 * yet visible in KV at this location) works at once.
 */
export const clientCacheKey = (clientId: string): string => `c:${clientId}`;
export const userCacheKey = (key: string): string => `u:${key}`;

export async function findClient(env: Env, clientId: string): Promise<ClientRecord | null> {
  const cached = await env.REGISTRY_CACHE.get<ClientRecord>(clientCacheKey(clientId), "json");
  if (cached) return cached;
  return registryObject(env).getClient(clientId);
}

export async function findUserCredentials(env: Env, userName: string): Promise<UserCredentials | null> {
  const cached = await env.REGISTRY_CACHE.get<UserCredentials>(userCacheKey(userNameKey(userName)), "json");
  if (cached) return cached;
  const user = await registryObject(env).findUserByName(userName);
  return user ? { id: user.id, userName: user.userName, active: user.active, password: user.password, epoch: user.epoch } : null;
}

export function registryObject(env: Env) {
  return env.REGISTRY.getByName("registry");
}
