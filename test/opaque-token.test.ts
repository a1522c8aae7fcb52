import { describe, expect, it } from "vitest";
import { deriveOpaqueToken, importTokenKey, parseOpaqueToken } from "../src/tokens/opaque";
import { base64url, hmacSha256 } from "./helpers/reference";

/** Computed here without the project's encoders, so a change to the format cannot pass unnoticed. */
const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((pair) => parseInt(pair, 16)));

describe("opaque token strings (tokens already issued depend on their format)", () => {
  const rawKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const grantId = "0f".repeat(16) + "a1".repeat(16);
  const tokenIdBytes = Uint8Array.from({ length: 16 }, (_, i) => 200 + i);
  const ref = { grantId, tokenId: base64url(tokenIdBytes) };

  it("are base64url(grant id ‖ token id ‖ first 16 bytes of HMAC-SHA256(key, kind.grantId.tokenId)), 86 characters", async () => {
    const key = await importTokenKey(base64url(rawKey));
    for (const kind of ["access", "refresh", "code"] as const) {
      const mac = await hmacSha256(rawKey, `${kind}.${grantId}.${ref.tokenId}`);
      const expected = base64url(new Uint8Array([...hexBytes(grantId), ...tokenIdBytes, ...mac.subarray(0, 16)]));
      const token = await deriveOpaqueToken(key, kind, ref);
      expect(token).toBe(expected);
      expect(token).toHaveLength(86);
      expect(parseOpaqueToken(token)).toEqual(ref);
    }
  });

  it("differ by kind, and a string of another length or alphabet is no token", async () => {
    const key = await importTokenKey(base64url(rawKey));
    const [access, refresh] = await Promise.all([deriveOpaqueToken(key, "access", ref), deriveOpaqueToken(key, "refresh", ref)]);
    expect(access).not.toBe(refresh);
    expect(access.slice(0, 64)).toBe(refresh.slice(0, 64)); // the same ref, another MAC
    expect(parseOpaqueToken(access.slice(1))).toBeNull();
    expect(parseOpaqueToken(`${access.slice(0, 85)}*`)).toBeNull();
  });
});
