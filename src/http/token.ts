import type { Context } from "hono";
import { configOf } from "../config";
import type { Env } from "../env";
import { grantHandler } from "../grants";
import { authenticateClient, readClientCredentials } from "../oauth/client-auth";
import { unauthorizedClient, unsupportedGrantType } from "../oauth/errors";
import { readForm, required } from "./form";
import { issuerOf } from "./issuer";
import { noStoreJson } from "./respond";

/** POST /oauth2/token (RFC 6749 §4.3, §4.4, §6). HTTP shape only; issuing lives in the grant object. */
export async function tokenEndpoint(c: Context<{ Bindings: Env }>): Promise<Response> {
  const config = configOf(c.env);
  const form = await readForm(c);
  const grantType = required(form, "grant_type");
  const handler = grantHandler(grantType);
  if (!handler) throw unsupportedGrantType(`grant_type "${printable(grantType)}" is not supported`);

  const client = await authenticateClient(c.env, readClientCredentials(c.req.header("Authorization"), form));
  if (!client.grant_types.includes(grantType)) {
    throw unauthorizedClient(`the client is not registered for the ${grantType} grant`);
  }
  const issued = await handler.exchange(form, { env: c.env, config, client, issuer: issuerOf(c, config) });
  return noStoreJson(c, {
    access_token: issued.accessToken,
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
    scope: issued.scope,
    token_type: "Bearer",
    expires_in: issued.expiresIn,
  });
}

function printable(value: string): string {
  return /^[\x21-\x7e]{1,100}$/.test(value) ? value : "(unprintable)";
}
