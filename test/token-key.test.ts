import { describe, expect, it } from "vitest";
import { configOf } from "../src/config/config";
import { grantTokenKey } from "../src/oauth/token-key";
import { bindings } from "./helpers/oauth";
import { base64url, hmacSha256 } from "./helpers/reference";

describe("a grant object's token key (derived from TOKEN_SECRET, remembered per isolate)", () => {
  const objectId = "a".repeat(64);
  const configWith = (secret: string) => configOf({ ...bindings, TOKEN_SECRET: secret });

  it("is the same for the same secret and object, and changes with the secret", async () => {
    const first = configWith("first-secret-".repeat(4));
    const second = configWith("second-secret-".repeat(4));
    const a = await grantTokenKey(first, objectId);
    expect(await grantTokenKey(first, objectId)).toBe(a);
    const b = await grantTokenKey(second, objectId);
    expect(b).not.toBe(a);
    // Back to the first secret: its key again, not the remembered one of the second.
    expect(await grantTokenKey(first, objectId)).toBe(a);
    expect(await grantTokenKey(first, "b".repeat(64))).not.toBe(a);
  });

  it("keeps its derivation, base64url(HMAC-SHA256(TOKEN_SECRET, \"grant-token-key/v1:\" + object id)): tokens already issued depend on it", async () => {
    const secret = "first-secret-".repeat(4);
    const expected = base64url(await hmacSha256(secret, `grant-token-key/v1:${objectId}`));
    expect(await grantTokenKey(configWith(secret), objectId)).toBe(expected);
  });
});
