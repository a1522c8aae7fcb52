import { describe, expect, it, vi } from "vitest";
import { SigningKeyObject } from "../src/keys/signing-key-object";
import { call } from "./helpers/http";

describe("JWKS from the cache (SPEC §14)", () => {
  it("repeated unauthenticated JWKS requests do not reach the singleton key object; a rotation refreshes it at once", async () => {
    const publicKeys = vi.spyOn(SigningKeyObject.prototype, "publicKeys"); // calls through
    try {
      const first = await (await call("/oauth2/jwks")).json<{ keys: { kid: string }[] }>();
      const reads = publicKeys.mock.calls.length;
      for (let i = 0; i < 5; i++) expect(await (await call("/oauth2/jwks")).json()).toEqual(first);
      expect(publicKeys.mock.calls.length).toBe(reads);
      const rotated = await call("/api/signing-keys/rotate", {
        method: "POST",
        headers: { Authorization: `Basic ${btoa("admin:admin")}`, "Content-Type": "application/json" },
        body: "{}",
      });
      const { kid } = await rotated.json<{ kid: string }>();
      const after = await (await call("/oauth2/jwks")).json<{ keys: { kid: string }[] }>();
      expect(after.keys.map((key) => key.kid)).toContain(kid);
    } finally {
      publicKeys.mockRestore();
    }
  });
});
