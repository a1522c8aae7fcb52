import type { Config } from "../config/config";
import type { Env } from "../env";
import { invalidClient } from "../protocol/errors";
import { formDecode } from "../text/form-encoding";
import { isAdministrator } from "./admin";
import { parseBasic } from "./basic";
import { authenticateClient } from "./client-auth";

/** Admin APIs: HTTP Basic of the super administrator, nothing else. */
export async function requireAdministrator(config: Config, authorization: string | undefined): Promise<void> {
  const basic = parseBasic(authorization);
  if (basic.kind !== "basic" || !(await isAdministrator(config, basic.credentials))) {
    throw invalidClient("Administrator credentials (HTTP Basic) are required.");
  }
}

/** Introspection (SPEC §4): the administrator or any registered client, by HTTP Basic. */
export async function requireAdministratorOrClient(
  env: Env,
  config: Config,
  authorization: string | undefined,
): Promise<void> {
  const basic = parseBasic(authorization);
  if (basic.kind !== "basic") throw invalidClient("HTTP Basic credentials of the administrator or a client are required.");
  if (await isAdministrator(config, basic.credentials)) return;
  const clientId = formDecode(basic.credentials.username);
  const clientSecret = formDecode(basic.credentials.password);
  if (!clientId || !clientSecret) throw invalidClient();
  await authenticateClient(env, config.tokenSecret, { clientId, clientSecret });
}
