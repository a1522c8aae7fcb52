import type { Env } from "../env";
import { bearerError } from "../protocol/errors";
import { now } from "../runtime/clock";
import { kvOf } from "../runtime/kv";
import { readTokenStatus, type TokenRecord } from "../store/token-status";
import { sha256 } from "../tokens/hash";

const INVALID = "The access token is invalid, expired or revoked.";

/**
 * A Bearer access token presented to a protected resource of this server (RFC 6750), e.g.
 * userinfo. The KV record gives its claims; its grant object then confirms it is live, so a
 * revoked or superseded token is refused at once, not after KV's propagation delay.
 */
export async function authenticateBearer(env: Env, token: string): Promise<TokenRecord> {
  if (!/^[\x21-\x7e]{1,4096}$/.test(token)) throw bearerError("invalid_token", INVALID);
  const hash = await sha256(token);
  const status = await readTokenStatus(kvOf(env, "TOKEN_STATUS"), hash, now());
  if (!status.active || status.record.kind !== "access") throw bearerError("invalid_token", INVALID);
  const owner = env.GRANTS.get(env.GRANTS.idFromString(status.record.grant));
  if (!(await owner.isLive(hash))) throw bearerError("invalid_token", INVALID);
  return status.record;
}
