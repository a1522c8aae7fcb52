import type { Env } from "../env";
import { REGISTRY_OBJECT_NAME } from "../protocol/registry-rpc";
import { now } from "../runtime/clock";
import { parseClientRecord, type ClientRecord } from "./client-record";
import { clientCacheKey, userCacheKey } from "./projection";
import { credentialsOf, isStorableUserName, parseUserCredentials, type UserCredentials } from "./user-record";
import { kvOf } from "../runtime/kv";

/**
 * The token hot path's view of the registry: the KV projection first (written by the registry
 * object), the registry object itself on a miss, so a client or user created a moment ago (not
 * yet visible in KV at this location) works at once.
 */
export function registryObject(env: Env) {
  return env.REGISTRY.getByName(REGISTRY_OBJECT_NAME);
}

/**
 * Client ids the registry said it does not know, remembered by this isolate for a few seconds so
 * a flood of made-up ids does not reach the registry object on every request. Safe because ids
 * are random: nobody looks one up before the registry has handed it out.
 */
const unknownClients = new Map<string, number>();
const UNKNOWN_CLIENT_TTL_MS = 10_000;
const UNKNOWN_CLIENTS_MAX = 10_000;

export async function findClient(env: Env, clientId: string): Promise<ClientRecord | null> {
  const cached = await kvOf(env, "REGISTRY_CACHE").get(clientCacheKey(clientId), "text");
  if (cached !== null) return parseClientRecord(cached);
  const at = now();
  if ((unknownClients.get(clientId) ?? 0) > at) return null;
  const client = await registryObject(env).findClient(clientId);
  if (!client) rememberUnknown(clientId, at);
  return client;
}

function rememberUnknown(clientId: string, at: number): void {
  if (unknownClients.size >= UNKNOWN_CLIENTS_MAX) unknownClients.clear();
  unknownClients.set(clientId, at + UNKNOWN_CLIENT_TTL_MS);
}

export async function findUserCredentials(env: Env, userName: string): Promise<UserCredentials | null> {
  if (!isStorableUserName(userName)) return null;
  const cached = await kvOf(env, "REGISTRY_CACHE").get(userCacheKey(userName), "text");
  if (cached !== null) return parseUserCredentials(cached);
  const user = await registryObject(env).findUserByName(userName);
  return user ? credentialsOf(user) : null;
}
