/**
 * What happens on a token request for a key that may already hold tokens (SPEC §5.2). Pure: the
 * grant object reads its current rows, asks this function, and applies the answer in the same
 * synchronous transaction.
 */
/** What every token row has: identity, lifetime, and the credential epochs it was issued under. */
export interface TokenRowBase {
  id: string;
  hash: string;
  issuedAt: number; // epoch ms
  expiresAt: number; // epoch ms
  /** The client's and the user's epochs when issued (see RevocationFanout); older ones are dead. */
  clientEpoch: number;
  userEpoch: number;
  /** The browser session the token was issued through (authorization code flow), if any. */
  sessionId?: string | null;
  /**
   * The grant lineage: the code it came from, or the first refresh token of its password or
   * client_credentials grant. Rotation keeps it, so a replay can revoke all descendants.
   */
  familyId?: string | null;
}

export interface AccessRow extends TokenRowBase {
  /** The access token's scope: the key's, or narrower after a refresh that asked for less. */
  scope: string;
  /** The generator format that produced it (opaque, jwt). */
  format: string;
  refreshId: string | null;
  grantType: string;
}

export interface RefreshRow extends TokenRowBase {
  /** When the lineage's first token was issued (REFRESH_TOKEN_MAX_LIFETIME counts from it). */
  familyStartedAt?: number | null;
  /** The grant type that started the lineage (password, authorization_code): it must stay registered. */
  originGrant?: string | null;
}

export interface CurrentTokens {
  access: AccessRow | null;
  refresh: RefreshRow | null;
}

export interface IssuePolicy {
  /** The key's (normalised) scope: a current access token narrowed by a refresh is not reused. */
  scope: string;
  /** The access token format now in force: a token of another format is not reused. */
  format: string;
  /** RENEW_TOKEN_PER_REQUEST, or a generator that always renews. */
  renewAccessToken: boolean;
  /** RENEW_TOKEN_PER_REQUEST itself: only the setting, not a generator, forces a new refresh token. */
  renewRefreshToken: boolean;
  /** The grant issues refresh tokens (password: yes, client_credentials: no). */
  issueRefreshToken: boolean;
  accessTokenLifetimeMs: number;
}

export type IssueDecision =
  /** Hand back the current pair unchanged (renewal off, both still valid). */
  | { kind: "reuse"; access: AccessRow; refresh: RefreshRow | null; expiresIn: number }
  /**
   * Issue a new access token. `supersede` lists current tokens that stop working; `keepRefresh`
   * is the current refresh token when it carries over to the new access token unchanged.
   */
  | {
      kind: "issue";
      supersede: { access: AccessRow | null; refresh: RefreshRow | null };
      keepRefresh: RefreshRow | null;
    };

/** A token with one second or less left counts as expired (WSO2's getAccessTokenExpireMillis). */
export const EXPIRY_MARGIN_MS = 1000;

export function decideIssue(current: CurrentTokens, policy: IssuePolicy, now: number): IssueDecision {
  const { access, refresh } = current;
  const accessLeft = access ? access.expiresAt - now : 0;
  const refreshLeft = refresh ? refresh.expiresAt - now : 0;

  const reusable = access && access.scope === policy.scope && access.format === policy.format;
  if (access && reusable && !policy.renewAccessToken) {
    const refreshUsable = !refresh || refreshLeft > EXPIRY_MARGIN_MS;
    if (accessLeft > EXPIRY_MARGIN_MS && refreshUsable) {
      return { kind: "reuse", access, refresh, expiresIn: Math.floor(accessLeft / 1000) };
    }
  }

  // The refresh token carries over only if the setting does not renew it and it will outlive the
  // new access token (WSO2's isRefreshTokenValid); otherwise the pair is issued anew.
  const keepRefresh =
    refresh && policy.issueRefreshToken && !policy.renewRefreshToken && refreshLeft > policy.accessTokenLifetimeMs
      ? refresh
      : null;
  return {
    kind: "issue",
    supersede: { access, refresh: keepRefresh ? null : refresh },
    keepRefresh,
  };
}
