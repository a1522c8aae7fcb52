import { authenticateClient, readClientCredentials } from "../../oauth/client-auth";
import { grantTypeOf } from "../../oauth/grant-types";
import { required, requireAll } from "../../oauth/parameters";
import { invalidRequest, unauthorizedClient, unsupportedGrantType } from "../../protocol/errors";
import { dpopProofOf } from "../dpop-header";
import { printable } from "../../text/characters";
import type { AppContext } from "../context";
import { readForm } from "../form";

/** POST /oauth2/token (RFC 6749 §4.3, §4.4, §6). HTTP shape only; issuing lives in the grant object. */
export async function tokenEndpoint(c: AppContext): Promise<Response> {
  const params = await readForm(c);
  const name = required(params, "grant_type");
  const grantType = grantTypeOf(name);
  if (!grantType) throw unsupportedGrantType(`grant_type ${printable(name, 100)} is not supported`);

  const client = await authenticateClient(c.env, c.var.config.tokenSecret, readClientCredentials(c.req.header("Authorization"), params));
  if (!client.grant_types.includes(name)) throw unauthorizedClient(`the client is not registered for the ${name} grant`);
  requireAll(params, grantType.required);
  const proof = await dpopProofOf(c, { method: "POST", url: c.req.url, nonceRequired: c.var.config.dpopNonceRequired });
  // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens gets no bearer tokens.
  if (!proof && client.dpop_bound_access_tokens) throw invalidRequest("this client must send a DPoP proof (dpop_bound_access_tokens)");
  const jkt = proof?.jkt ?? null;
  const issued = await grantType.exchange(params, { env: c.env, config: c.var.config, client, issuer: c.var.issuer, jkt });
  if (proof?.nonce) c.header("DPoP-Nonce", proof.nonce);
  return c.json({
    access_token: issued.accessToken,
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
    scope: issued.scope,
    token_type: jkt ? "DPoP" : "Bearer",
    expires_in: issued.expiresIn,
    ...(issued.idToken ? { id_token: issued.idToken } : {}),
  });
}
