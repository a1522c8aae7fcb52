import { describe, expect, it, vi } from "vitest";
import { GrantObject } from "../src/grant-object/grant-object";
import { wrapKv } from "../src/runtime/kv";
import { introspect, isActive, passwordParams, registerClient, token, tokenRequest, type TokenBody } from "./helpers/oauth";

describe("faults answer 503 with Retry-After, never a 500 (SPEC §14)", () => {
  it("a Durable Object reset in the middle of a burst: the failed requests get 503, exactly one pair stays live", async () => {
    const client = await registerClient();
    const original = GrantObject.prototype.issueTokens;
    let calls = 0;
    const spy = vi.spyOn(GrantObject.prototype, "issueTokens").mockImplementation(function (this: GrantObject, request) {
      calls += 1;
      if (calls % 4 === 0) {
        // The object is reset while this request is inside it (as a code update or a crash would).
        (this as unknown as { ctx: DurableObjectState }).ctx.abort("simulated reset");
        return new Promise(() => {});
      }
      return original.call(this, request);
    });
    let responses: Response[];
    try {
      responses = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(client, passwordParams("reset-burst"))));
    } finally {
      spy.mockRestore();
    }
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    for (const failed of responses.filter((r) => r.status === 503)) {
      expect(failed.headers.get("Retry-After")).toBe("1");
      expect(await failed.json()).toMatchObject({ error: "temporarily_unavailable" });
    }
    // The next request (renewal on) leaves exactly one live pair whatever the burst left behind.
    const issued = await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.json<TokenBody>()));
    const last = await token(client, passwordParams("reset-burst"));
    const live = await Promise.all(issued.map((t) => isActive(t.access_token)));
    expect(live.filter(Boolean)).toHaveLength(0);
    expect(await isActive(last.access_token)).toBe(true);
  });

  it("KV failing on a read: introspection answers 503, not 500", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("kv-read"));
    const restore = wrapKv((name, kv) =>
      name !== "TOKEN_STATUS"
        ? kv
        : new Proxy(kv, {
            get: (target, property) =>
              property === "get" ? () => Promise.reject(new Error("simulated KV 429")) : (Reflect.get(target, property, target) as unknown),
          }),
    );
    try {
      await expect(introspect(issued.access_token)).rejects.toThrow(/503/);
    } finally {
      restore();
    }
    expect(await isActive(issued.access_token)).toBe(true);
  });
});
