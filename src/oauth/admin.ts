import type { Config } from "../config/config";
import { constantTimeEqual } from "../tokens/hash";
import type { BasicCredentials } from "./basic";

/** Whether the credentials are the super administrator's; both parts always compared. */
export async function isAdministrator(config: Config, credentials: BasicCredentials): Promise<boolean> {
  const [user, password] = await Promise.all([
    constantTimeEqual(credentials.username, config.admin.username),
    constantTimeEqual(credentials.password, config.admin.password),
  ]);
  return user && password;
}
