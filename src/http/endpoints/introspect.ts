import { requireAdministratorOrClient } from "../../oauth/caller-auth";
import { required } from "../../oauth/parameters";
import { now } from "../../runtime/clock";
import { readTokenStatus, type TokenRecord } from "../../store/token-status";
import { sha256 } from "../../tokens/hash";
import { callerOf, type AppContext } from "../context";
import { readForm } from "../form";
import { kvOf } from "../../runtime/kv";

/**
 * POST /oauth2/introspect (RFC 7662). Reads the token's KV records at the edge; in `strong` mode
 * an "active" answer is confirmed by the grant object that owns the token, so a revocation is
 * visible at once instead of after KV's propagation delay.
 */
export async function introspectionEndpoint(c: AppContext): Promise<Response> {
  const { config } = c.var;
  const params = await readForm(c);
  await requireAdministratorOrClient(callerOf(c), c.req.header("Authorization"));
  const token = required(params, "token");
  const hint = params.get("token_type_hint");

  const hash = await sha256(token);
  const status = await readTokenStatus(kvOf(c.env, "TOKEN_STATUS"), hash, now());
  if (!status.active || !answersFor(status.record, hint)) return c.json({ active: false });
  if (config.introspectionConsistency === "strong") {
    const owner = c.env.GRANTS.get(c.env.GRANTS.idFromString(status.record.grant));
    if (!(await owner.isLive(hash))) return c.json({ active: false });
  }
  return c.json(activeResponse(status.record));
}

/**
 * Refresh tokens are only answered when the caller says it is introspecting one (as WSO2 does),
 * so a resource server that checks `active` alone never accepts a refresh token as a bearer token.
 */
function answersFor(record: TokenRecord, hint: string | undefined): boolean {
  return record.kind === "access" || hint === "refresh_token";
}

function activeResponse(record: TokenRecord): Record<string, unknown> {
  return {
    active: true,
    scope: record.scope,
    client_id: record.client_id,
    ...(record.username ? { username: record.username } : {}),
    token_type: record.kind === "access" ? (record.cnf_jkt ? "DPoP" : "Bearer") : "refresh_token",
    exp: record.exp,
    iat: record.iat,
    nbf: record.iat,
    sub: record.sub,
    iss: record.iss,
    jti: record.jti,
    ...(record.aud ? { aud: record.aud } : {}),
    ...(record.cnf_jkt ? { cnf: { jkt: record.cnf_jkt } } : {}),
  };
}
