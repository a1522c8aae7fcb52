import type { Config } from "../config";
import { isAdministrator } from "../oauth/admin";

/** A resource owner authenticated by the password grant. */
export interface User {
  username: string;
}

/**
 * Authenticates a resource owner. Today the only user is the super administrator from
 * ADMIN_USERNAME / ADMIN_PASSWORD (as WSO2's admin is a user of the password grant); the SCIM
 * user store joins here later. Returns the canonical username, which goes into the grant key.
 */
export async function authenticateUser(config: Config, username: string, password: string): Promise<User | null> {
  return (await isAdministrator(config, { username, password })) ? { username: config.admin.username } : null;
}
