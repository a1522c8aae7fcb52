import type { TokenKind } from "../tokens/opaque";
import { literal, number, object, parseStored, string, StoredRecordError, versioned } from "./decode";
import type { KvWrite } from "./outbox";
import { temporarilyUnavailable } from "../protocol/errors";

/**
 * Token status in Workers KV, read by introspection at the edge.
 *
 * Every key is written exactly once (KV allows about one write per second per key):
 * - `t:<sha256(token)>` — the token record, written when the token is issued;
 * - `r:<sha256(token)>` — the revocation record, written when it is revoked or superseded.
 * A token is active when its record exists, no revocation record exists and `exp` is ahead.
 * Because no key is ever rewritten, KV writes of different requests cannot overtake each other
 * in a way that matters: a late token record never hides an earlier revocation record.
 */
export interface TokenRecord {
  v: 1;
  kind: TokenKind;
  client_id: string;
  username?: string; // password grant only
  sub: string;
  scope: string;
  iss: string;
  jti: string;
  aud?: string; // self-contained (JWT) access tokens
  cnf_jkt?: string; // DPoP-bound (RFC 9449 §6): the key's thumbprint
  grant_type: string;
  grant: string; // the owning grant object's id, for strong introspection
  iat: number; // epoch seconds
  exp: number; // epoch seconds
}

export const tokenRecordKey = (hash: string): string => `t:${hash}`;
export const revocationRecordKey = (hash: string): string => `r:${hash}`;

export function tokenRecordWrite(hash: string, record: TokenRecord): KvWrite {
  return { op: "put", key: tokenRecordKey(hash), value: JSON.stringify(record), expiresAt: record.exp * 1000 };
}

export function revocationRecordWrite(hash: string, tokenExpiresAt: number, now: number): KvWrite {
  return {
    op: "put",
    key: revocationRecordKey(hash),
    value: JSON.stringify({ v: 1, revoked_at: Math.floor(now / 1000) }),
    expiresAt: tokenExpiresAt,
  };
}

export type TokenStatus = { active: false } | { active: true; record: TokenRecord };

/** One bulk read (one KV operation) of both records of a token. */
export async function readTokenStatus(kv: KVNamespace, hash: string, now: number): Promise<TokenStatus> {
  const keys = [tokenRecordKey(hash), revocationRecordKey(hash)];
  let found: Map<string, string | null>;
  try {
    found = await kv.get(keys, "text");
  } catch {
    // KV overloaded or unreachable: no answer is better than a wrong one (SPEC §14: 503, not 500).
    throw temporarilyUnavailable("the token status store is unavailable; retry shortly");
  }
  const record = parseRecord(found.get(keys[0]!) ?? null);
  if (!record || found.get(keys[1]!) != null || record.exp * 1000 <= now) return { active: false };
  return { active: true, record };
}

const decodeTokenRecord = versioned(
  "token",
  1,
  object(
    {
      kind: literal<TokenKind>("access", "refresh"),
      client_id: string,
      sub: string,
      scope: string,
      iss: string,
      jti: string,
      grant_type: string,
      grant: string,
      iat: number,
      exp: number,
    },
    { username: string, aud: string, cnf_jkt: string },
  ),
);

/** A record this version cannot read answers inactive (fail closed), and says so in the log. */
function parseRecord(text: string | null): TokenRecord | null {
  if (text === null) return null;
  try {
    return { ...parseStored("token", text, decodeTokenRecord), v: 1 };
  } catch (error) {
    if (!(error instanceof StoredRecordError)) throw error;
    console.error(error.message);
    return null;
  }
}
