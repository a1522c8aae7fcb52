import { requireAdminConfig, type Config } from "../config/config";
import { constantTimeEqual } from "../tokens/hash";
import type { BasicCredentials } from "./basic";

/** Whether the credentials are the super administrator's; both parts always compared. */
export async function isAdministrator(config: Config, credentials: BasicCredentials): Promise<boolean> {
  const admin = requireAdminConfig(config);
  const [user, password] = await Promise.all([
    constantTimeEqual(credentials.username, admin.username),
    constantTimeEqual(credentials.password, admin.password),
  ]);
  return user && password;
}
