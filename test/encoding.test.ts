import { describe, expect, it } from "vitest";
import { fromBase64Url, fromHex, toBase64Url, toHex } from "../src/tokens/encoding";
import { constantTimeEqual } from "../src/tokens/hash";

describe("byte encodings (tokens, secrets, client ids)", () => {
  it("base64url round-trips every length, unpadded", () => {
    for (let length = 0; length < 40; length += 1) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(fromBase64Url(text)).toEqual(bytes);
    }
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });

  it.each([
    ["padding", "-_8="],
    ["the standard alphabet", "+/8"],
    ["white space", "-_ 8"],
    ["non-zero trailing bits (a second spelling of the same bytes)", "-_9"],
    ["a length that is 1 mod 4", "AAAAA"],
    ["other characters", "AA.A"],
  ])("base64url decoding refuses %s", (_what, text) => {
    expect(fromBase64Url(text)).toBeNull();
  });

  it("hex round-trips; an odd or non-hex string throws", () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    expect(fromHex(toHex(bytes))).toEqual(bytes);
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe("000fff");
    expect(() => fromHex("abc")).toThrow();
    expect(() => fromHex("zz")).toThrow();
  });
});

describe("constant-time comparison", () => {
  it.each([
    ["admin", "admin", true],
    ["admin", "admin ", false],
    ["admin", "Admin", false],
    ["", "", true],
    ["", "a", false],
    ["ü".repeat(127), "ü".repeat(127), true], // 254 bytes: the longest padded value
    ["ü".repeat(127), "ü".repeat(126) + "u", false],
    ["x".repeat(300), "x".repeat(300), true], // hashed instead
    ["x".repeat(300), "x".repeat(299), false],
    ["x".repeat(300), "x".repeat(254), false], // one hashed, one padded
  ])("%j vs %j → %s", async (a, b, equal) => {
    expect(await constantTimeEqual(a, b)).toBe(equal);
  });
});
