import { describe, expect, it, vi } from "vitest";
import { clientIdKind, newClientId } from "../src/registry/client-ids";
import { RegistryObject } from "../src/registry/registry-object";
import { ADMIN_BASIC, basic, call, form, FORM_TYPE } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import { passwordParams, registerClient } from "./helpers/oauth";
import { base64url, hmacSha256 } from "./helpers/reference";

async function tokenCall(headers: Record<string, string>, params: Record<string, string>) {
  return call("/oauth2/token", { method: "POST", headers: { ...FORM_TYPE, ...headers }, body: form(params) });
}

describe("client authentication (RFC 6749 §2.3, SPEC §4)", () => {
  it("accepts client_secret_basic", async () => {
    const client = await registerClient();
    expect((await tokenCall({ Authorization: basic(client.id, client.secret) }, passwordParams())).status).toBe(200);
  });

  it("accepts client_secret_post", async () => {
    const client = await registerClient();
    const response = await tokenCall({}, { ...passwordParams(), client_id: client.id, client_secret: client.secret });
    expect(response.status).toBe(200);
  });

  it("accepts a Basic header with a matching client_id in the body", async () => {
    const client = await registerClient();
    const response = await tokenCall({ Authorization: basic(client.id, client.secret) }, { ...passwordParams(), client_id: client.id });
    expect(response.status).toBe(200);
  });

  it("refuses both methods at once with invalid_request", async () => {
    const client = await registerClient();
    const response = await tokenCall(
      { Authorization: basic(client.id, client.secret) },
      { ...passwordParams(), client_id: client.id, client_secret: client.secret },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });

  it("refuses a body client_id that differs from the Basic one", async () => {
    const client = await registerClient();
    const response = await tokenCall({ Authorization: basic(client.id, client.secret) }, { ...passwordParams(), client_id: "other" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });

  const unauthorised: [string, (id: string, secret: string) => Record<string, string>, Record<string, string>?][] = [
    ["no credentials at all", () => ({})],
    ["a wrong secret (Basic)", (id) => ({ Authorization: basic(id, "wrong-secret") })],
    ["an unknown client (Basic)", (_id, secret) => ({ Authorization: basic("no-such-client", secret) })],
    ["a wrong secret (post)", () => ({}), { client_secret: "wrong" }],
    ["a Basic header that is not base64", () => ({ Authorization: "Basic ***notbase64***" })],
    ["a Basic header without a colon", () => ({ Authorization: `Basic ${btoa("nocolon")}` })],
    ["a Basic header with an empty secret", (id) => ({ Authorization: `Basic ${btoa(`${id}:`)}` })],
    ["a Basic header with an empty id", (_id, secret) => ({ Authorization: `Basic ${btoa(`:${secret}`)}` })],
    ["a Bearer header", () => ({ Authorization: "Bearer abc" })],
    ["a Basic header with bad percent-encoding", (id) => ({ Authorization: `Basic ${btoa(`${id}:%zz`)}` })],
    ["a non-ASCII secret", (id) => ({ Authorization: basic(id, "sécret") })],
  ];
  for (const [name, headers, body] of unauthorised) {
    it(`answers 401 invalid_client with WWW-Authenticate for ${name}`, async () => {
      const client = await registerClient();
      const params = body ? { ...passwordParams(), client_id: client.id, ...body } : passwordParams();
      const response = await tokenCall(headers(client.id, client.secret), params);
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic realm=/);
      expect(await response.json()).toMatchObject({ error: "invalid_client", error_description: expect.any(String) });
    });
  }

  it("decodes form-urlencoded ids and secrets in the Basic header (RFC 6749 §2.3.1)", async () => {
    const client = await registerClient();
    // Encode every character, as a strict client library would.
    const encodeAll = (value: string) => Array.from(value, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
    const header = `Basic ${btoa(`${encodeAll(client.id)}:${encodeAll(client.secret)}`)}`;
    expect((await tokenCall({ Authorization: header }, passwordParams())).status).toBe(200);
  });
});

describe("unknown client ids (SPEC §14)", () => {
  it("ids keep their MAC scheme: first 8 bytes of HMAC(HMAC(TOKEN_SECRET, \"client-id-key/v1\"), random part)", async () => {
    // Computed here with WebCrypto alone, as the ids registered so far were made.
    const secret = "test-token-secret-0123456789-0123456789";
    const macKey = await hmacSha256(secret, "client-id-key/v1");
    const random = crypto.getRandomValues(new Uint8Array(16));
    const id = base64url(new Uint8Array([...random, ...(await hmacSha256(macKey, random)).subarray(0, 8)]));
    expect(await clientIdKind(secret, id)).toBe("issued");
    expect(await clientIdKind(secret, await newClientId(secret))).toBe("issued");
    // Ids made for a while with the key's base64url text as the HMAC key stay valid too.
    const textMac = await hmacSha256(base64url(macKey), random);
    expect(await clientIdKind(secret, base64url(new Uint8Array([...random, ...textMac.subarray(0, 8)])))).toBe("issued");
  });

  /** A client id of the issued shape (32 base64url characters) whose MAC is wrong. */
  const forged = () => base64url(crypto.getRandomValues(new Uint8Array(24)));

  it("an id the server could not have issued never reaches the registry object, nor KV", async () => {
    const findClient = vi.spyOn(RegistryObject.prototype, "findClient"); // calls through
    const kv = recordKv("REGISTRY_CACHE");
    try {
      for (const madeUp of [`made-up-${crypto.randomUUID()}`, forged(), forged()]) {
        expect((await tokenCall({ Authorization: basic(madeUp, "secret") }, passwordParams())).status).toBe(401);
      }
      expect(findClient).not.toHaveBeenCalled();
      expect(kv.kv.gets).toBe(0);
    } finally {
      findClient.mockRestore();
    }
  });

  it("an issued id that is not (or no longer) registered reaches the registry once per isolate for a few seconds", async () => {
    const client = await registerClient();
    await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}`, { method: "DELETE", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" } });
    const findClient = vi.spyOn(RegistryObject.prototype, "findClient"); // calls through
    try {
      for (let i = 0; i < 3; i++) {
        expect((await tokenCall({ Authorization: basic(client.id, client.secret) }, passwordParams())).status).toBe(401);
      }
      expect(findClient.mock.calls.filter(([id]) => id === client.id)).toHaveLength(1);
    } finally {
      findClient.mockRestore();
    }
  });
});
