import type { TokenRecord } from "../store/token-status";
import type { TokenKind } from "../tokens/opaque";
import { jtiOf } from "../tokens/ref";
import type { TokenRowBase } from "./issue-decision";
import type { GrantKey } from "./key";

/** What every token record of one grant object shares. */
export interface RecordContext {
  grantId: string; // the object's id, hex
  key: GrantKey;
  /** The token's `sub`: the user's SCIM id (the administrator's username), or the client_id. */
  subject: string;
  issuer: string;
}

/** One token as introspection will describe it. */
export interface RecordedToken {
  kind: TokenKind;
  scope: string;
  grantType: string;
  row: TokenRowBase;
  /** Self-contained (JWT) access tokens name their audience. */
  aud?: string;
}

/**
 * The `sub` of an object that never recorded one (issued before subjects were stored): the
 * username, or the client itself when there is none (client_credentials).
 */
export function legacySubjectOf(key: GrantKey): string {
  return key.username || key.clientId;
}

/** The KV token record (store/token-status) of a token this object issues. */
export function tokenRecordOf(context: RecordContext, token: RecordedToken): TokenRecord {
  const { key } = context;
  return {
    v: 1,
    kind: token.kind,
    client_id: key.clientId,
    ...(key.username ? { username: key.username } : {}),
    sub: context.subject,
    scope: token.scope,
    iss: context.issuer,
    jti: jtiOf({ grantId: context.grantId, tokenId: token.row.id }),
    ...(token.aud ? { aud: token.aud } : {}),
    ...(key.jkt ? { cnf_jkt: key.jkt } : {}),
    grant_type: token.grantType,
    grant: context.grantId,
    iat: Math.floor(token.row.issuedAt / 1000),
    exp: Math.floor(token.row.expiresAt / 1000),
  };
}
