import { clientCredentialsGrant } from "./client-credentials";
import type { GrantHandler } from "./grant-handler";
import { passwordGrant } from "./password";
import { refreshTokenGrant } from "./refresh-token";

/** The grant types this server implements; registration only accepts these. */
const handlers: readonly GrantHandler[] = [passwordGrant, clientCredentialsGrant, refreshTokenGrant];

export const SUPPORTED_GRANT_TYPES: readonly string[] = handlers.map((handler) => handler.grantType);

export function grantHandler(grantType: string): GrantHandler | undefined {
  return handlers.find((handler) => handler.grantType === grantType);
}
