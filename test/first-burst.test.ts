import { describe, expect, it, vi } from "vitest";
import { RegistryObject } from "../src/registry/registry-object";
import { isActive, passwordParams, registerClient, tokenRequest, type TokenBody } from "./helpers/oauth";

describe("the first burst on a new key (issue 12)", () => {
  it("makes one registry call for the key, not one per request, and leaves exactly one live token", async () => {
    const client = await registerClient();
    const indexGrant = vi.spyOn(RegistryObject.prototype, "indexGrant"); // calls through
    try {
      const responses = await Promise.all(Array.from({ length: 40 }, () => tokenRequest(client, passwordParams("first-burst"))));
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
      expect(indexGrant).toHaveBeenCalledTimes(1);
      const bodies = await Promise.all(responses.map((r) => r.json<TokenBody>()));
      const live = await Promise.all(bodies.map((b) => isActive(b.access_token)));
      expect(live.filter(Boolean)).toHaveLength(1);
    } finally {
      indexGrant.mockRestore();
    }
  });
});
