import type { Context } from "hono";
import { configOf } from "../config";
import type { Env } from "../env";
import { requireAdministratorOrClient } from "../oauth/caller-auth";
import { readTokenStatus, type TokenRecord } from "../store/token-status";
import { sha256 } from "../tokens/hash";
import { readForm, required } from "./form";

/**
 * POST /oauth2/introspect (RFC 7662). Reads the token's KV records at the edge; in `strong` mode
 * an "active" answer is confirmed by the grant object that owns the token, so a revocation is
 * visible at once instead of after KV's propagation delay.
 */
export async function introspectionEndpoint(c: Context<{ Bindings: Env }>): Promise<Response> {
  const config = configOf(c.env);
  const form = await readForm(c);
  await requireAdministratorOrClient(c.env, config, c.req.header("Authorization"));
  const token = required(form, "token");
  const hint = form.get("token_type_hint");

  const hash = await sha256(token);
  const status = await readTokenStatus(c.env.TOKEN_STATUS, hash, Date.now());
  if (!status.active || !answersFor(status.record, hint)) return inactive(c);
  if (config.introspectionConsistency === "strong") {
    const owner = c.env.GRANTS.get(c.env.GRANTS.idFromString(status.record.grant));
    if (!(await owner.isActive(hash))) return inactive(c);
  }
  return c.json(activeResponse(status.record), 200, { "Cache-Control": "no-store" });
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
    token_type: record.kind === "access" ? "Bearer" : "refresh_token",
    exp: record.exp,
    iat: record.iat,
    nbf: record.iat,
    sub: record.sub,
    iss: record.iss,
    jti: record.jti,
    ...(record.aud ? { aud: record.aud } : {}),
  };
}

function inactive(c: Context): Response {
  return c.json({ active: false }, 200, { "Cache-Control": "no-store" });
}
