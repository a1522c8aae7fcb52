import type { Env } from "../env";
import { parseJwtRef } from "../tokens/jwt";
import { parseOpaqueToken } from "../tokens/opaque";
import type { GrantObject } from "./grant-object";

/**
 * The grant object that owns a presented token, found from the token itself (its routing part),
 * never from KV. Null when the token cannot be one of ours.
 */
export function grantObjectOfToken(env: Env, token: string): DurableObjectStub<GrantObject> | null {
  const ref = parseOpaqueToken(token) ?? parseJwtRef(token);
  if (!ref) return null;
  try {
    return env.GRANTS.get(env.GRANTS.idFromString(ref.grantId));
  } catch {
    return null; // not an id of this namespace
  }
}
