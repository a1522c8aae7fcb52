import { describe, expect, it } from "vitest";
import { kvOf } from "../src/runtime/kv";
import { TokenRecordCache } from "../src/store/token-record-cache";
import { readTokenStatus, revocationRecordKey, tokenRecordKey, type TokenRecord } from "../src/store/token-status";
import { sha256 } from "../src/tokens/hash";
import { useTestClock } from "./helpers/clock";
import { recordKv } from "./helpers/kv";
import { bindings, introspect, registerClient, token } from "./helpers/oauth";

const clock = useTestClock();

function record(exp: number): TokenRecord {
  return { v: 1, kind: "access", client_id: "c", sub: "s", scope: "a", iss: "https://issuer.test", jti: "j", grant_type: "client_credentials", grant: "g", iat: exp - 60, exp };
}

/** KV keys read through `readTokenStatus`, from a namespace that only this test writes. */
async function statusOf(hash: string, known: TokenRecordCache): Promise<{ active: boolean; keysRead: string[] }> {
  const { kv, restore } = recordKv("TOKEN_STATUS");
  try {
    const status = await readTokenStatus(kvOf(bindings, "TOKEN_STATUS"), hash, clock.now(), known);
    return { active: status.active, keysRead: [...kv.keysRead] };
  } finally {
    restore();
  }
}

describe("the isolate's cache of token records", () => {
  it("forgets the least recently used record first, and a record once it has expired", () => {
    const known = new TokenRecordCache(2);
    const now = clock.now();
    const live = record(Math.floor(now / 1000) + 60);
    known.remember("a", { record: live, revoked: false });
    known.remember("b", { record: live, revoked: false });
    expect(known.get("a", now)).toBeDefined(); // "a" is now the most recently used
    known.remember("c", { record: live, revoked: false });
    expect([known.get("a", now), known.get("b", now), known.get("c", now)].map(Boolean)).toEqual([true, false, true]);
    expect(known.get("a", (live.exp + 1) * 1000)).toBeUndefined();
    expect(known.size).toBe(1);
  });

  it("reads both records of a token it has not seen, then the revocation record alone, then nothing once revoked", async () => {
    const known = new TokenRecordCache(16);
    const hash = await sha256(crypto.randomUUID());
    const exp = Math.floor(clock.now() / 1000) + 3600;
    await bindings.TOKEN_STATUS.put(tokenRecordKey(hash), JSON.stringify(record(exp)));

    expect(await statusOf(hash, known)).toEqual({ active: true, keysRead: [tokenRecordKey(hash), revocationRecordKey(hash)] });
    expect(await statusOf(hash, known)).toEqual({ active: true, keysRead: [revocationRecordKey(hash)] });
    await bindings.TOKEN_STATUS.put(revocationRecordKey(hash), JSON.stringify({ v: 1, revoked_at: exp - 10 }));
    expect(await statusOf(hash, known)).toEqual({ active: false, keysRead: [revocationRecordKey(hash)] });
    expect(await statusOf(hash, known)).toEqual({ active: false, keysRead: [] });
  });

  it("does not remember a token it did not find (its record may not have reached this location yet)", async () => {
    const known = new TokenRecordCache(16);
    const hash = await sha256(crypto.randomUUID());
    expect(await statusOf(hash, known)).toMatchObject({ active: false });
    await bindings.TOKEN_STATUS.put(tokenRecordKey(hash), JSON.stringify(record(Math.floor(clock.now() / 1000) + 3600)));
    expect(await statusOf(hash, known)).toEqual({ active: true, keysRead: [tokenRecordKey(hash), revocationRecordKey(hash)] });
  });

  it("answers an expired token inactive from its cached record, without reading KV", async () => {
    const known = new TokenRecordCache(16);
    const hash = await sha256(crypto.randomUUID());
    await bindings.TOKEN_STATUS.put(tokenRecordKey(hash), JSON.stringify(record(Math.floor(clock.now() / 1000) + 60)));
    expect(await statusOf(hash, known)).toMatchObject({ active: true });
    clock.advance(61_000);
    expect(await statusOf(hash, known)).toMatchObject({ active: false });
    expect(known.size).toBe(0);
  });

  it("through the Worker: a token introspected before it is renewed away answers inactive after", async () => {
    const client = await registerClient(["client_credentials"]);
    const params = { grant_type: "client_credentials", scope: `cache-${crypto.randomUUID()}` };
    const first = await token(client, params, { RENEW_TOKEN_PER_REQUEST: "true" });
    expect(await introspect(first.access_token)).toMatchObject({ active: true });

    const { kv } = recordKv("TOKEN_STATUS");
    expect(await introspect(first.access_token)).toMatchObject({ active: true });
    expect(kv.keysRead).toHaveLength(1); // its record is known; only the revocation record is read

    await token(client, params, { RENEW_TOKEN_PER_REQUEST: "true" });
    expect(await introspect(first.access_token)).toEqual({ active: false });
  });
});
