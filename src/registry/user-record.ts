import { array, boolean, literal, number, object, parseStored, record, string, versioned } from "../store/decode";
import type { PasswordHash } from "./password-hash";

/** A user of the password grant, as the registry stores it (SCIM 2.0 core User subset). */
export interface UserRecord {
  v: 1;
  id: string;
  userName: string;
  name?: Record<string, string>;
  emails?: { value: string; type?: string; primary?: boolean }[];
  active: boolean;
  password: PasswordHash;
  /** Raised on password change, deactivation and deletion: older tokens of the user are dead. */
  epoch: number;
  created: string;
  lastModified: string;
}

/** A new user as the registry receives it: validated, the password already hashed. */
export type NewUser = Pick<UserRecord, "userName" | "name" | "emails" | "active" | "password">;

/** A change to a user as the registry applies it: validated, the password already hashed. */
export interface UserChanges {
  password?: PasswordHash;
  active?: boolean;
  /** A whole new name; null removes it. */
  name?: Record<string, string> | null;
  /** Name parts set on top of the current name (`name.givenName` and the like). */
  nameParts?: Record<string, string>;
  /** A whole new list; null removes it. */
  emails?: UserRecord["emails"] | null;
}

/**
 * What the password grant and the OIDC claims need of a user: the KV projection
 * `u:<userName, lower-cased>`.
 */
export type UserCredentials = Pick<UserRecord, "v" | "id" | "userName" | "active" | "password" | "epoch" | "name" | "emails">;

/** userName is not case-exact (RFC 7643 §4.1.1): "Alice" and "alice" are one user. */
export const userNameKey = (userName: string): string => userName.toLowerCase();

/**
 * The longest userName, in UTF-8 bytes of its lower-cased form: its KV projection key must stay
 * under KV's 512-byte key limit. A longer name can never exist, so it is never looked up.
 */
export const MAX_USER_NAME_BYTES = 256;

export function isStorableUserName(userName: string): boolean {
  const encoder = new TextEncoder();
  return encoder.encode(userName).length <= MAX_USER_NAME_BYTES && encoder.encode(userNameKey(userName)).length <= MAX_USER_NAME_BYTES;
}

export function credentialsOf(user: UserRecord): UserCredentials {
  const { id, userName, active, password, epoch, name, emails } = user;
  return { v: 1, id, userName, active, password, epoch, ...(name ? { name } : {}), ...(emails ? { emails } : {}) };
}

const passwordHash = object({ alg: literal("PBKDF2-SHA256"), iterations: number, salt: string, hash: string });
const credentialFields = { id: string, userName: string, active: boolean, password: passwordHash, epoch: number };
const profileFields = { name: record(string), emails: array(object({ value: string }, { type: string, primary: boolean })) };
const decodeUser = versioned("user", 1, object({ ...credentialFields, created: string, lastModified: string }, profileFields));
const decodeCredentials = versioned("user credentials", 1, object(credentialFields, profileFields));

export function parseUserRecord(text: string): UserRecord {
  return { ...parseStored("user", text, decodeUser), v: 1 };
}

export function parseUserCredentials(text: string): UserCredentials {
  return { ...parseStored("user credentials", text, decodeCredentials), v: 1 };
}
