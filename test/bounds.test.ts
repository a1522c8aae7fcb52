import { describe, expect, it } from "vitest";
import { recordKv } from "./helpers/kv";
import { passwordParams, registerClient, tokenRequest } from "./helpers/oauth";

describe("bounded requests (SPEC §14)", () => {
  it("more than MAX_SCOPES_PER_REQUEST (32) scope values is invalid_scope and writes nothing", async () => {
    const client = await registerClient();
    const kv = recordKv("TOKEN_STATUS");
    const many = Array.from({ length: 33 }, (_, i) => `s${i}`).join(" ");
    const response = await tokenRequest(client, passwordParams(many));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_scope" });
    expect(kv.kv.puts.size).toBe(0);
    expect((await tokenRequest(client, passwordParams(Array.from({ length: 32 }, (_, i) => `s${i}`).join(" ")))).status).toBe(200);
  });

  it("a scope value longer than MAX_SCOPE_LENGTH (128) is invalid_scope", async () => {
    const client = await registerClient();
    const response = await tokenRequest(client, passwordParams("x".repeat(129)));
    expect(await response.json()).toMatchObject({ error: "invalid_scope" });
    expect((await tokenRequest(client, passwordParams("x".repeat(128)))).status).toBe(200);
  });

  it("both limits are configurable", async () => {
    const client = await registerClient();
    const vars = { MAX_SCOPES_PER_REQUEST: "2", MAX_SCOPE_LENGTH: "4" };
    expect((await tokenRequest(client, passwordParams("a b c"), vars)).status).toBe(400);
    expect((await tokenRequest(client, passwordParams("abcde"), vars)).status).toBe(400);
    expect((await tokenRequest(client, passwordParams("ab cd"), vars)).status).toBe(200);
  });
});
