import type { TokenKind } from "../tokens/opaque";
import { literal, number, object, parseStored, string, StoredRecordError, versioned } from "./decode";
import type { KvWrite } from "./outbox";
import { temporarilyUnavailable } from "../protocol/errors";
import { isolateTokenRecords, type TokenRecordCache } from "./token-record-cache";

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

/**
 * The token's status from KV. A token this isolate has not read yet costs one bulk read of both
 * records (one KV operation); a token whose record it holds costs a read of the revocation record
 * alone, and a token it has seen revoked costs none (token-record-cache.ts says why that is exact).
 */
export async function readTokenStatus(kv: KVNamespace, hash: string, now: number, known: TokenRecordCache = isolateTokenRecords): Promise<TokenStatus> {
  const cached = known.get(hash, now);
  if (cached) {
    if (cached.revoked) return { active: false };
    const revoked = (await readKv(() => kv.get(revocationRecordKey(hash), "text"))) !== null;
    if (revoked) known.remember(hash, { record: cached.record, revoked });
    return revoked ? { active: false } : { active: true, record: cached.record };
  }
  const keys = [tokenRecordKey(hash), revocationRecordKey(hash)];
  const found = await readKv(() => kv.get(keys, "text"));
  const record = parseRecord(found.get(keys[0]!) ?? null);
  if (!record || record.exp * 1000 <= now) return { active: false };
  const revoked = found.get(keys[1]!) != null;
  known.remember(hash, { record, revoked });
  return revoked ? { active: false } : { active: true, record };
}

async function readKv<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch {
    // KV overloaded or unreachable: no answer is better than a wrong one (SPEC §14: 503, not 500).
    throw temporarilyUnavailable("the token status store is unavailable; retry shortly");
  }
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
