import type { Context } from "hono";
import type { Env } from "../env";
import { revokeToken } from "../grant/issue";
import { authenticateClient, readClientCredentials } from "../oauth/client-auth";
import { unauthorizedClient } from "../oauth/errors";
import { readForm, required } from "./form";

/**
 * POST /oauth2/revoke (RFC 7009). 200 with an empty body whether or not the token was known
 * (§2.2); a token of another client is refused and left active (SPEC §5.3).
 */
export async function revocationEndpoint(c: Context<{ Bindings: Env }>): Promise<Response> {
  const form = await readForm(c);
  const client = await authenticateClient(c.env, readClientCredentials(c.req.header("Authorization"), form));
  const token = required(form, "token");
  const outcome = await revokeToken(c.env, { clientId: client.client_id, token, hint: form.get("token_type_hint") });
  if (outcome === "foreign") throw unauthorizedClient("the token was not issued to this client");
  return c.body(null, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
}
