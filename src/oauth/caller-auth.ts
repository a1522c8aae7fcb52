import type { Config } from "../config/config";
import type { Env } from "../env";
import { invalidClient } from "../protocol/errors";
import { formDecode } from "../text/form-encoding";
import { constantTimeEqual } from "../tokens/hash";
import { isAdministrator } from "./admin";
import { throttledAdminCheck } from "./admin-throttle";
import { parseBasic } from "./basic";
import { authenticateClient } from "./client-auth";

/** Who is calling: the client IP for the throttle (Cloudflare's CF-Connecting-IP). */
export interface Caller {
  env: Env;
  config: Config;
  ip: string;
}

/** Admin APIs: HTTP Basic of the super administrator, nothing else; failures are throttled. */
export async function requireAdministrator(caller: Caller, authorization: string | undefined): Promise<void> {
  const basic = parseBasic(authorization);
  if (basic.kind !== "basic") throw invalidClient("Administrator credentials (HTTP Basic) are required.");
  const { credentials } = basic;
  if (!(await throttledAdminCheck(caller.env, caller.ip, () => isAdministrator(caller.config, credentials)))) {
    throw invalidClient("Administrator credentials (HTTP Basic) are required.");
  }
}

/** Introspection (SPEC §4): the administrator or any registered client, by HTTP Basic. */
export async function requireAdministratorOrClient(caller: Caller, authorization: string | undefined): Promise<void> {
  const { env, config } = caller;
  const basic = parseBasic(authorization);
  if (basic.kind !== "basic") throw invalidClient("HTTP Basic credentials of the administrator or a client are required.");
  const { credentials } = basic;
  // The administrator's name: a password attempt, throttled; anything else is a client.
  const { admin } = config;
  if (admin && (await constantTimeEqual(credentials.username, admin.username))) {
    // The name matched already: only the password is left to compare.
    if (await throttledAdminCheck(env, caller.ip, () => constantTimeEqual(credentials.password, admin.password))) return;
    throw invalidClient();
  }
  const clientId = formDecode(basic.credentials.username);
  const clientSecret = formDecode(basic.credentials.password);
  if (!clientId || !clientSecret) throw invalidClient();
  await authenticateClient(env, config.tokenSecret, { clientId, clientSecret });
}
