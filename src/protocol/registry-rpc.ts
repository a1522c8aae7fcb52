import type { Fence } from "./fence";

/**
 * What grant objects say to the registry object. Lives below both so that neither imports the
 * other: each reaches the other only through its binding in Env.
 */
export const REGISTRY_OBJECT_NAME = "registry";

/** A grant object registering itself before its first token (see RevocationFanout). */
export interface GrantRegistration {
  objectId: string;
  clientId: string;
  username: string; // empty for client_credentials
  fence: Fence; // the epochs the request was authenticated under
  /** SPEC §14: how many keys (grant objects) one client, and one user, may have. */
  limits: KeyLimits;
}

export interface KeyLimits {
  perClient: number;
  perUser: number;
}

/**
 * "indexed"; or which credentials changed since the request was authenticated; or which limit
 * of keys a new key would exceed.
 */
export type GrantIndexOutcome = "indexed" | "stale_client" | "stale_user" | "client_key_limit" | "user_key_limit";
