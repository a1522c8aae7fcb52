import { describe, expect, it } from "vitest";
import { recordKv } from "./helpers/kv";
import { createUser, passwordParams, registerClient, tokenRequest, uniqueName, userParams } from "./helpers/oauth";

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

describe("keys per client and per user (SPEC §14)", () => {
  it("a client at MAX_KEYS_PER_CLIENT gets invalid_request for a new scope combination; its existing keys keep working", async () => {
    const client = await registerClient(["client_credentials"]);
    const vars = { MAX_KEYS_PER_CLIENT: "2" };
    const cc = (scope: string) => tokenRequest(client, { grant_type: "client_credentials", scope }, vars);
    expect((await cc("one")).status).toBe(200);
    expect((await cc("two")).status).toBe(200);
    const third = await cc("three");
    expect(third.status).toBe(400);
    expect(await third.json()).toMatchObject({ error: "invalid_request" });
    expect((await cc("one")).status).toBe(200);
  });

  it("a user at MAX_KEYS_PER_USER likewise", async () => {
    const client = await registerClient();
    const vars = { MAX_KEYS_PER_USER: "1" };
    const userName = uniqueName("keys");
    await createUser(userName, "a password");
    expect((await tokenRequest(client, userParams(userName, "a password", "first"), vars)).status).toBe(200);
    expect((await tokenRequest(client, userParams(userName, "a password", "second"), vars)).status).toBe(400);
  });
});
