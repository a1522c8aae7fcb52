import type { Env } from "../env";
import type { ClientRecord } from "../registry/client";
import { credentialsOf, isStorableUserName, userNameKey, type UserCredentials } from "../registry/user";

/**
 * The token hot path's view of the registry: the KV projection first (written by the registry
 * object), the registry object itself on a miss, so a client or user created a moment ago (not
 * yet visible in KV at this location) works at once.
 */
export const clientCacheKey = (clientId: string): string => `c:${clientId}`;
export const userCacheKey = (key: string): string => `u:${key}`;

/**
 * Client ids the registry said it does not know, remembered by this isolate for a few seconds so
 * a flood of made-up ids does not reach the registry object on every request. Safe because ids
 * are random: nobody looks one up before the registry has handed it out.
 */
const unknownClients = new Map<string, number>();
const UNKNOWN_CLIENT_TTL_MS = 10_000;
const UNKNOWN_CLIENTS_MAX = 10_000;

export async function findClient(env: Env, clientId: string): Promise<ClientRecord | null> {
  const cached = await env.REGISTRY_CACHE.get<ClientRecord>(clientCacheKey(clientId), "json");
  if (cached) return cached;
  const now = Date.now();
  if ((unknownClients.get(clientId) ?? 0) > now) return null;
  const client = await registryObject(env).getClient(clientId);
  if (!client) rememberUnknown(clientId, now);
  return client;
}

function rememberUnknown(clientId: string, now: number): void {
  if (unknownClients.size >= UNKNOWN_CLIENTS_MAX) unknownClients.clear();
  unknownClients.set(clientId, now + UNKNOWN_CLIENT_TTL_MS);
}

export async function findUserCredentials(env: Env, userName: string): Promise<UserCredentials | null> {
  if (!isStorableUserName(userName)) return null;
  const cached = await env.REGISTRY_CACHE.get<UserCredentials>(userCacheKey(userNameKey(userName)), "json");
  if (cached) return cached;
  const user = await registryObject(env).findUserByName(userName);
  return user ? credentialsOf(user) : null;
}

export function registryObject(env: Env) {
  return env.REGISTRY.getByName("registry");
}
