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
}

/** "indexed", or which credentials changed since the request was authenticated. */
export type GrantIndexOutcome = "indexed" | "stale_client" | "stale_user";
