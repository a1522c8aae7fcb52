import type { PasswordHash } from "./password-hash";

/** A user of the password grant, as the registry stores it (SCIM 2.0 core User subset). */
export interface UserRecord {
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

/** What the password grant needs of a user: the KV projection `u:<userName, lower-cased>`. */
export type UserCredentials = Pick<UserRecord, "id" | "userName" | "active" | "password" | "epoch">;

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

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

/** The SCIM representation (RFC 7643 §4.1); never the password. */
export function scimUser(user: UserRecord, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    userName: user.userName,
    ...(user.name ? { name: user.name } : {}),
    ...(user.emails ? { emails: user.emails } : {}),
    active: user.active,
    meta: {
      resourceType: "User",
      created: user.created,
      lastModified: user.lastModified,
      location: `${baseUrl}/scim2/Users/${user.id}`,
    },
  };
}

export function credentialsOf(user: UserRecord): UserCredentials {
  return { id: user.id, userName: user.userName, active: user.active, password: user.password, epoch: user.epoch };
}
