import { authenticateClient, readClientCredentials } from "../../oauth/client-auth";
import { revokeGrantToken } from "../../oauth/grant-object-client";
import { required } from "../../oauth/parameters";
import type { AppContext } from "../context";
import { readForm } from "../form";

/**
 * POST /oauth2/revoke (RFC 7009). 200 with an empty body whether or not the token was known
 * (§2.2); a token of another client is refused and left active (SPEC §5.3).
 */
export async function revocationEndpoint(c: AppContext): Promise<Response> {
  const params = await readForm(c);
  const client = await authenticateClient(c.env, c.var.config.tokenSecret, readClientCredentials(c.req.header("Authorization"), params));
  const token = required(params, "token");
  await revokeGrantToken(c.env, { client, token, hint: params.get("token_type_hint") });
  return c.body(null, 200);
}
