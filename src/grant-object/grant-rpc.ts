import type { Fence } from "../protocol/fence";
import type { Outcome } from "../protocol/errors";
import type { KeyLimits } from "../protocol/registry-rpc";
import type { IssuePolicy } from "./issue-decision";
import type { GrantKey } from "./key";

/**
 * What the Worker and a grant object say to each other (RPC arguments and results). Failures a
 * client caused come back as `Failure` values, not exceptions, so they keep their OAuth meaning
 * across RPC.
 */

/** What every request that issues tokens carries: the Worker's configuration for them. */
export interface IssueSettings {
  /**
   * This object's HMAC key for opaque token strings, base64url: derived by the Worker from
   * TOKEN_SECRET and the object's id, so it is never in the object's storage.
   */
  tokenKey: string;
  issuer: string;
  accessTokenFormat: string;
  accessTokenLifetimeMs: number;
  refreshTokenLifetimeMs: number;
}

/** A validated password / client_credentials request, as the Worker hands it to the key's object. */
export interface IssueRequest extends Omit<IssuePolicy, "scope" | "format">, IssueSettings {
  key: GrantKey;
  /** SPEC §14: the limits a new key of this client / user must stay within. */
  keyLimits: KeyLimits;
  /** The tokens' `sub` (see token-records.ts). */
  subject: string;
  /** The browser session the tokens are issued through (a code's), or null. */
  sessionId: string | null;
  grantType: string;
  /** The client's and user's epochs the request was authenticated under. */
  fence: Fence;
}

/** An authorization code to create for this key (SPEC §10), after the user approved the request. */
export interface CodeRequest {
  key: GrantKey;
  tokenKey: string;
  subject: string;
  redirectUri: string;
  redirectUriSent: boolean;
  codeChallenge: string;
  nonce: string | null;
  sessionId: string | null;
  authTime: number; // epoch ms
  userEpoch: number;
  lifetimeMs: number;
}

/** An authorization_code token request: the code's hash and what the client presents with it. */
export interface RedeemRequest extends Omit<IssueRequest, "key" | "fence" | "subject" | "sessionId"> {
  codeHash: string;
  clientId: string;
  clientEpoch: number;
  redirectUri: string | null;
  verifierHash: string;
  /** The DPoP key of the token request's proof (must be the one the code was bound to). */
  jkt: string | null;
}

/** A refresh grant request (SPEC §5.4). `scope` is the requested scope, null for the grant's own. */
export interface RefreshRequest extends IssueSettings {
  refreshTokenHash: string;
  clientId: string;
  clientEpoch: number;
  scope: string[] | null;
  renewRefreshToken: boolean;
  /** SPEC §12: how long a just-rotated refresh token still gets the same new pair (0: never). */
  reuseIntervalMs: number;
  /** SPEC §12: REFRESH_TOKEN_MAX_LIFETIME, or null for no cap. */
  maxLifetimeMs: number | null;
  /** The client's registration as it is now: its scope list (null: any) and grant types. */
  allowedScope: string | null;
  grantTypes: string[];
  /** The DPoP key of the request's proof: a bound grant refreshes only with its own key. */
  jkt: string | null;
}

/** A revocation request (RFC 7009): the hash of the presented token and the authenticated client. */
export interface RevokeRequest {
  tokenHash: string;
  clientId: string;
  /** The client's epoch it was authenticated under: older than the object's fence is refused. */
  clientEpoch: number;
  hint?: string;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number; // whole seconds
  scope: string;
  /** For a redeemed code: what the login vouched for, for the OIDC id_token. */
  login?: { subject: string; userName: string; nonce: string | null; authTime: number; sessionId: string | null };
  /** OIDC: the ID Token, added by the Worker after a code exchange with `openid`. */
  idToken?: string;
}

export type TokenOutcome = Outcome<IssuedTokens>;

/** A token of another client is a failure (unauthorized_client); an unknown one is not (RFC 7009 §2.2). */
export type RevokeOutcome = Outcome<"revoked" | "unknown">;
