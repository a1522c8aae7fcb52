/**
 * SPEC §5.1: tokens are issued per (client_id, user, scopes). The user is the authenticated
 * username for the password grant and empty for client_credentials; `scope` is already
 * normalised (split on spaces, de-duplicated, sorted), so `b a` and `a b a` are one key.
 * The grant type is deliberately not part of the key (as in WSO2).
 */
export interface GrantKey {
  clientId: string;
  username: string;
  scope: string;
  /**
   * SPEC §13: the JWK thumbprint of a DPoP-bound key, as WSO2 puts the token binding reference
   * in its lock: one user on two devices holds two keys, and a bearer request never renews a
   * bound token. Absent for bearer tokens.
   */
  jkt?: string;
}

/** The Durable Object name of a key: one object per key, found with getByName(). */
export function grantObjectName(key: GrantKey): string {
  const parts = ["grant/v1", key.clientId, key.username, key.scope];
  return JSON.stringify(key.jkt ? [...parts, key.jkt] : parts);
}

/**
 * Whether a key can hold a refresh token: only the password and code grants issue one, and their
 * keys name the user; a key without a user is a client_credentials key, which never does.
 */
export function holdsRefreshTokens(key: GrantKey): boolean {
  return key.username !== "";
}
