import type { TokenRecord } from "./token-status";

/** What the isolate has read of one token: its record, and whether its revocation record exists. */
export interface KnownToken {
  record: TokenRecord;
  revoked: boolean;
}

/**
 * The token records this isolate has read, by token hash, so that a resource server that
 * introspects the same token again (once per API call, typically) costs one KV key, not two.
 *
 * Caching is exact, not a staleness trade: a token record is written once and never changed
 * (token-status.ts), so a record read once stays true until `exp`; and a revocation is final, so
 * a token seen revoked stays revoked. What can change — a live token being revoked — is still
 * read from KV on every introspection. Bounded (least recently used goes first) so a stream of
 * distinct tokens cannot grow the isolate; entries past `exp` are dropped when met.
 */
export class TokenRecordCache {
  private readonly entries = new Map<string, KnownToken>();

  constructor(private readonly capacity: number) {}

  get(hash: string, now: number): KnownToken | undefined {
    const known = this.entries.get(hash);
    if (!known) return undefined;
    this.entries.delete(hash);
    if (known.record.exp * 1000 <= now) return undefined;
    this.entries.set(hash, known); // most recently used last
    return known;
  }

  remember(hash: string, known: KnownToken): void {
    this.entries.delete(hash);
    this.entries.set(hash, known);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The isolate's cache: 4,096 records of about 0.5 KB, a few MB of the isolate's 128 MB. */
export const isolateTokenRecords = new TokenRecordCache(4096);
