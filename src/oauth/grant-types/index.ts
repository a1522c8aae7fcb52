import { authorizationCodeGrant } from "./authorization-code";
import { clientCredentialsGrant } from "./client-credentials";
import type { GrantType } from "./grant-type";
import { passwordGrant } from "./password";
import { refreshTokenGrant } from "./refresh-token";

/** The grant types this server implements; registration only accepts these. */
const grantTypes: readonly GrantType[] = [passwordGrant, clientCredentialsGrant, refreshTokenGrant, authorizationCodeGrant];

export const SUPPORTED_GRANT_TYPES: readonly string[] = grantTypes.map((grant) => grant.grantType);

export function grantTypeOf(name: string): GrantType | undefined {
  return grantTypes.find((grant) => grant.grantType === name);
}
