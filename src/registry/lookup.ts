import type { Env } from "../env";
import { isRetryable, temporarilyUnavailable } from "../protocol/errors";
import { REGISTRY_OBJECT_NAME } from "../protocol/registry-rpc";
import { now } from "../runtime/clock";
import { clientIdKind } from "./client-ids";
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
 * Client ids the registry said it does not know, remembered by this isolate for a few seconds
 * (an id with a valid MAC that was since deleted). Safe because ids are random: nobody looks one
 * up before the registry has handed it out.
 */
const unknownClients = new Map<string, number>();
const UNKNOWN_CLIENT_TTL_MS = 10_000;
const UNKNOWN_CLIENTS_MAX = 10_000;

/**
 * A client by id (SPEC §14): an id this server could not have issued is refused without any
 * storage read; a legacy id (issued before ids carried a MAC) is looked up in the KV projection
 * only; an issued one in KV, then in the registry object on a miss (a client created a moment ago).
 */
export async function findClient(env: Env, tokenSecret: string, clientId: string): Promise<ClientRecord | null> {
  const at = now();
  const recent = recentClients.get(clientId);
  if (recent && recent.until > at) return recent.client; // its id was checked when it was cached
  const kind = await clientIdKind(tokenSecret, clientId);
  if (kind === "impossible") return null;
  const cached = await registryRead(() => kvOf(env, "REGISTRY_CACHE").get(clientCacheKey(clientId), "text"));
  if (cached !== null) return remember(clientId, parseClientRecord(cached), at);
  if (kind === "legacy" || (unknownClients.get(clientId) ?? 0) > at) return null;
  const client = await registryRead(() => registryObject(env).findClient(clientId));
  if (!client) rememberUnknown(clientId, at);
  return client ? remember(clientId, client, at) : null;
}

/**
 * Client records this isolate read a moment ago (SPEC §9 allows an isolate-local cache): the
 * token hot path then makes no KV read for its client. A change made elsewhere reaches this
 * isolate within CLIENT_CACHE_MS on top of KV's own propagation (~60 s); a stale secret gets
 * nothing from a grant object meanwhile (its epoch is below the object's fence). Changes made
 * through this isolate drop the entry at once (`forgetClient`).
 */
const recentClients = new Map<string, { client: ClientRecord; until: number }>();
const CLIENT_CACHE_MS = 10_000;
const CLIENT_CACHE_MAX = 10_000;

function remember(clientId: string, client: ClientRecord, at: number): ClientRecord {
  if (recentClients.size >= CLIENT_CACHE_MAX) recentClients.clear();
  recentClients.set(clientId, { client, until: at + CLIENT_CACHE_MS });
  return client;
}

/** After this isolate changed or deleted a client. */
export function forgetClient(clientId: string): void {
  recentClients.delete(clientId);
}

function rememberUnknown(clientId: string, at: number): void {
  if (unknownClients.size >= UNKNOWN_CLIENTS_MAX) unknownClients.clear();
  unknownClients.set(clientId, at + UNKNOWN_CLIENT_TTL_MS);
}

export async function findUserCredentials(env: Env, userName: string): Promise<UserCredentials | null> {
  if (!isStorableUserName(userName)) return null;
  const cached = await registryRead(() => kvOf(env, "REGISTRY_CACHE").get(userCacheKey(userName), "text"));
  if (cached !== null) return parseUserCredentials(cached);
  const user = await registryRead(() => registryObject(env).findUserByName(userName));
  return user ? credentialsOf(user) : null;
}

/**
 * A read of the registry (its KV projection, or the object as the fall-back) on the token hot
 * path. Whatever makes it fail (the
 * runtime's overload or reset errors, a storage timeout, an exception inside the object) answers
 * `503 temporarily_unavailable` with `Retry-After`, never a 500 (SPEC §14): the read changes
 * nothing, so a retry is always safe, and the request has been validated before it, so no failure
 * of it is the caller's doing. Errors the runtime does not mark retryable may be bugs: they are
 * logged, by class and message only (a registry read carries no secret).
 */
async function registryRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isRetryable(error)) console.error("registry read failed:", error instanceof Error ? `${error.name}: ${error.message}` : "non-Error thrown");
    throw temporarilyUnavailable("the client and user registry is unavailable; retry shortly");
  }
}
