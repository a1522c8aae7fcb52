import { describe, expect, it } from "vitest";
import { recordKv } from "./helpers/kv";
import { isActive, passwordParams, registerClient, token, type TokenBody } from "./helpers/oauth";

const RENEW = { RENEW_TOKEN_PER_REQUEST: "true" };
const REUSE = { RENEW_TOKEN_PER_REQUEST: "false" };

async function countActive(tokens: string[], hint?: string): Promise<number> {
  const answers = await Promise.all(tokens.map((value) => isActive(value, {}, hint)));
  return answers.filter(Boolean).length;
}

describe("concurrent token requests (SPEC §2, real concurrent requests)", () => {
  it("renewal on: 50 simultaneous requests for one key leave exactly one token active", async () => {
    const client = await registerClient();
    const results = await Promise.all(Array.from({ length: 50 }, () => token(client, passwordParams("burst"), RENEW)));

    expect(new Set(results.map((r) => r.access_token)).size).toBe(50);
    expect(await countActive(results.map((r) => r.access_token))).toBe(1);
    expect(await countActive(results.map((r) => r.refresh_token!), "refresh_token")).toBe(1);
    // The survivor is a complete pair: its access and refresh token came from one response.
    const survivor = (await Promise.all(results.map(async (r) => ((await isActive(r.access_token)) ? r : null)))).find(Boolean)!;
    expect(await isActive(survivor.refresh_token!, {}, "refresh_token")).toBe(true);
  });

  it("renewal on: 50 simultaneous client_credentials requests leave exactly one token active", async () => {
    const client = await registerClient(["client_credentials"]);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => token(client, { grant_type: "client_credentials" }, RENEW)),
    );
    expect(new Set(results.map((r) => r.access_token)).size).toBe(50);
    expect(await countActive(results.map((r) => r.access_token))).toBe(1);
  });

  it("renewal off: 50 simultaneous requests for one key all get the same pair", async () => {
    const client = await registerClient();
    const results = await Promise.all(Array.from({ length: 50 }, () => token(client, passwordParams("same"), REUSE)));
    expect(new Set(results.map((r) => r.access_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.refresh_token)).size).toBe(1);
    expect(await isActive(results[0]!.access_token)).toBe(true);
  });

  it("answers in commit order: the token answered last is the live one, even when an earlier request's KV write is slower", async () => {
    const client = await registerClient(["client_credentials"]);
    await token(client, { grant_type: "client_credentials", scope: "order" }, RENEW);
    const { kv } = recordKv("TOKEN_STATUS");
    const slow = kv.holdPuts(2); // the first request's two KV writes wait until released

    const answered: string[] = [];
    const send = () => token(client, { grant_type: "client_credentials", scope: "order" }, RENEW).then((r) => answered.push(r.access_token));
    const first = send();
    await kv.putsStarted(2); // the first request has committed and is writing to KV
    const second = send();
    await kv.putsStarted(3); // the second has committed after it, and its writes are not held
    slow.release();
    await Promise.all([first, second]);

    expect(answered).toHaveLength(2);
    expect(await isActive(answered[1]!)).toBe(true);
    expect(await isActive(answered[0]!)).toBe(false);
  });

  it("20 keys in parallel all succeed and stay independent", async () => {
    const client = await registerClient();
    const scopes = Array.from({ length: 20 }, (_, i) => `key${i}`);
    const round = (subset: string[]): Promise<TokenBody[]> =>
      Promise.all(subset.map((scope) => token(client, passwordParams(scope), RENEW)));

    const first = await round(scopes);
    expect(new Set(first.map((r) => r.access_token)).size).toBe(20);
    expect(first.map((r) => r.scope)).toEqual(scopes);
    expect(await countActive(first.map((r) => r.access_token))).toBe(20);

    // Renew only the first ten keys, concurrently: the other ten keep their tokens.
    const second = await round(scopes.slice(0, 10));
    const stillActive = await Promise.all(first.map((r) => isActive(r.access_token)));
    expect(stillActive).toEqual([...Array(10).fill(false), ...Array(10).fill(true)]);
    expect(await countActive(second.map((r) => r.access_token))).toBe(10);
  });
});
