import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GrantObject } from "../src/grant-object/grant-object";
import { parseConfig } from "../src/config/config";
import { grantTokenKey } from "../src/oauth/token-key";
import { fromBase64Url } from "../src/tokens/encoding";
import { deriveOpaqueToken, importTokenKey, parseOpaqueToken } from "../src/tokens/opaque";
import { bindings, passwordParams, registerClient, token } from "./helpers/oauth";
import { ownTables } from "./helpers/sqlite";

/** Every string value stored in an object's SQLite, all tables. */
async function dump(id: DurableObjectId): Promise<string[]> {
  return runInDurableObject(bindings.GRANTS.get(id), (_: GrantObject, state) => {
    return ownTables(state.storage.sql).flatMap((name) =>
      state.storage.sql.exec(`SELECT * FROM ${name}`).toArray().flatMap((row) => Object.values(row).filter((v): v is string => typeof v === "string")),
    );
  });
}

describe("a storage dump alone yields no token (SPEC §6, issue 11)", () => {
  it("nothing in a grant object's storage re-derives its tokens; the Worker's TOKEN_SECRET does", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("dump"), { RENEW_TOKEN_PER_REQUEST: "false" });
    const ref = parseOpaqueToken(issued.access_token)!;
    const ids = await listDurableObjectIds(bindings.GRANTS);
    const id = ids.find((candidate) => candidate.toString() === ref.grantId)!;
    const stored = await dump(id);
    expect(stored.join("\n")).not.toContain(issued.access_token);
    expect(stored.join("\n")).not.toContain(issued.refresh_token!);
    // Try every stored value that could be key material as the HMAC key: none derives the token.
    const candidates = stored.filter((value) => fromBase64Url(value)?.length === 32);
    for (const material of candidates) {
      const derived = await deriveOpaqueToken(await importTokenKey(material), "access", ref);
      expect(derived).not.toBe(issued.access_token);
    }
    // Positive control: the key the Worker derives from TOKEN_SECRET does re-derive it.
    const config = parseConfig(bindings);
    const key = await importTokenKey(await grantTokenKey(config, ref.grantId));
    expect(await deriveOpaqueToken(key, "access", ref)).toBe(issued.access_token);
  });
});
