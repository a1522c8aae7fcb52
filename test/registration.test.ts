import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RegistryObject } from "../src/registry/registry-object";
import { ADMIN_BASIC, call } from "./helpers/http";
import { bindings, passwordParams, registerClient, tokenRequest } from "./helpers/oauth";

const PATH = "/api/identity/oauth2/dcr/v1.1/register";

function register(body: unknown, headers: Record<string, string> = {}) {
  return call(PATH, {
    method: "POST",
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("application registration (RFC 7591/7592 at WSO2's paths)", () => {
  it("registers a client: 201 with client_id and client_secret", async () => {
    const response = await register({ client_name: "My app", grant_types: ["password", "client_credentials"], scope: "b a" });
    expect(response.status).toBe(201);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      client_name: "My app",
      grant_types: ["password", "client_credentials"],
      scope: "a b",
      client_secret_expires_at: 0,
      token_endpoint_auth_method: "client_secret_basic",
    });
    // 16 random bytes and an 8-byte MAC under TOKEN_SECRET (SPEC §14: recognisable without storage).
    expect(body.client_id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("returns the client's metadata on GET, never its secret", async () => {
    const client = await registerClient(["password"]);
    const response = await call(`${PATH}/${client.id}`, { headers: { Authorization: ADMIN_BASIC } });
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({ client_id: client.id, grant_types: ["password"] });
    expect(JSON.stringify(body)).not.toContain(client.secret);
    expect(body).not.toHaveProperty("client_secret");
    expect(body).not.toHaveProperty("secret_hash");
  });

  it("deletes a client with 204; afterwards it is 404 and cannot get tokens", async () => {
    const client = await registerClient();
    expect((await tokenRequest(client, passwordParams())).status).toBe(200);
    const deleted = await call(`${PATH}/${client.id}`, { method: "DELETE", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect((await call(`${PATH}/${client.id}`, { headers: { Authorization: ADMIN_BASIC } })).status).toBe(404);
    expect((await call(`${PATH}/${client.id}`, { method: "DELETE", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" } })).status).toBe(404);
    const refused = await tokenRequest(client, passwordParams());
    expect(refused.status).toBe(401);
  });

  it("stores the secret hashed: neither the registry object nor KV holds it", async () => {
    const client = await registerClient();
    const stored = await runInDurableObject(bindings.REGISTRY.getByName("registry"), (_instance: RegistryObject, state) =>
      state.storage.sql.exec<{ record: string }>("SELECT record FROM clients").toArray().map((row) => row.record).join("\n"),
    );
    expect(stored).toContain(client.id);
    expect(stored).not.toContain(client.secret);
    const cached = await bindings.REGISTRY_CACHE.get(`c:${client.id}`);
    expect(cached).toContain(client.id);
    expect(cached).not.toContain(client.secret);
  });

  it("requires the administrator's credentials", async () => {
    for (const authorization of [undefined, `Basic ${btoa("admin:nope")}`, `Basic ${btoa("root:admin")}`]) {
      const response = await call(PATH, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(authorization ? { Authorization: authorization } : {}) },
        body: JSON.stringify({ client_name: "x", grant_types: ["password"] }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
    }
    const client = await registerClient();
    expect((await call(`${PATH}/${client.id}`)).status).toBe(401);
    expect((await call(`${PATH}/${client.id}`, { method: "DELETE" })).status).toBe(401);
  });

  for (const [name, body] of [
    ["no client_name", { grant_types: ["password"] }],
    ["an empty client_name", { client_name: " ", grant_types: ["password"] }],
    ["a client_name with control characters", { client_name: "a\u0000b", grant_types: ["password"] }],
    ["a very long client_name", { client_name: "x".repeat(300), grant_types: ["password"] }],
    ["no grant_types", { client_name: "x" }],
    ["empty grant_types", { client_name: "x", grant_types: [] }],
    ["an unsupported grant type", { client_name: "x", grant_types: ["implicit"] }],
    ["grant_types that is not an array", { client_name: "x", grant_types: "password" }],
    ["a scope with control characters", { client_name: "x", grant_types: ["password"], scope: "a\u0007" }],
    ["a scope that is not a string", { client_name: "x", grant_types: ["password"], scope: ["a"] }],
    ["a JSON array body", [1, 2]],
  ] as const) {
    it(`answers 400 invalid_client_metadata for ${name}`, async () => {
      const response = await register(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_client_metadata", error_description: expect.any(String) });
    });
  }

  it("answers 400 invalid_request for a body that is not valid UTF-8", async () => {
    const body = new Uint8Array([...new TextEncoder().encode('{"client_name":"'), 0xff, ...new TextEncoder().encode('","grant_types":["password"]}')]);
    const response = await call(PATH, { method: "POST", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });

  it("answers 400 invalid_request for malformed JSON or the wrong content type", async () => {
    expect(await (await register("{not json")).json()).toMatchObject({ error: "invalid_request" });
    const wrongType = await register({ client_name: "x", grant_types: ["password"] }, { "Content-Type": "text/plain" });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toMatchObject({ error: "invalid_request" });
  });

  it("serves a client registered a moment ago even when KV has not seen it (registry fallback)", async () => {
    const client = await registerClient();
    // Simulate a location where the projection has not arrived yet.
    await bindings.REGISTRY_CACHE.delete(`c:${client.id}`);
    expect((await tokenRequest(client, passwordParams())).status).toBe(200);
  });
});
