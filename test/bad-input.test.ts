import { describe, expect, it } from "vitest";
import { ADMIN_BASIC, call, FORM_TYPE } from "./helpers/http";
import { bindings, isActive, passwordParams, registerClient, token, type TestClient } from "./helpers/oauth";

/** Every KV key and the registry projection, to prove a failed request wrote nothing. */
async function snapshot(): Promise<string> {
  const [tokens, clients] = await Promise.all([bindings.TOKEN_STATUS.list(), bindings.REGISTRY_CACHE.list()]);
  return JSON.stringify([tokens.keys.map((k) => k.name).sort(), clients.keys.map((k) => k.name).sort()]);
}

function post(path: string, client: TestClient, body: BodyInit, headers: Record<string, string> = FORM_TYPE) {
  return call(path, { method: "POST", headers: { Authorization: client.authorization, ...headers }, body });
}

const oversized = "scope=" + "a".repeat(64 * 1024);

describe("bad input (SPEC §7): a clear RFC-shaped error, never a 500, nothing written", () => {
  const cases: [string, number, string, (client: TestClient) => Promise<Response>][] = [
    ["GET on the token endpoint", 405, "invalid_request", () => call("/oauth2/token")],
    ["PUT on introspection", 405, "invalid_request", () => call("/oauth2/introspect", { method: "PUT" })],
    ["no content type", 400, "invalid_request", (c) => post("/oauth2/token", c, "grant_type=password", {})],
    ["JSON content type", 400, "invalid_request", (c) => post("/oauth2/token", c, '{"grant_type":"password"}', { "Content-Type": "application/json" })],
    ["a body over 64 KiB", 413, "invalid_request", (c) => post("/oauth2/token", c, oversized)],
    [
      "a streamed body over 64 KiB (no Content-Length)",
      413,
      "invalid_request",
      (c) => post("/oauth2/token", c, new Blob([oversized]).stream()),
    ],
    ["malformed percent-encoding", 400, "invalid_request", (c) => post("/oauth2/token", c, "grant_type=password&username=%zz")],
    ["invalid UTF-8 in the body", 400, "invalid_request", (c) => post("/oauth2/token", c, "grant_type=password&username=%C3%28")],
    ["raw invalid UTF-8 bytes", 400, "invalid_request", (c) => post("/oauth2/token", c, new Uint8Array([0x67, 0x3d, 0xff, 0xfe]))],
    ["a repeated grant_type", 400, "invalid_request", (c) => post("/oauth2/token", c, "grant_type=password&grant_type=password&username=admin&password=admin")],
    ["a repeated scope", 400, "invalid_request", (c) => post("/oauth2/token", c, "grant_type=password&username=admin&password=admin&scope=a&scope=b")],
    ["no grant_type", 400, "invalid_request", (c) => post("/oauth2/token", c, "username=admin&password=admin")],
    ["an unknown grant type", 400, "unsupported_grant_type", (c) => post("/oauth2/token", c, "grant_type=magic")],
    ["a non-ASCII grant type", 400, "unsupported_grant_type", (c) => post("/oauth2/token", c, "grant_type=pässword")],
    ["a grant type the client is not registered for", 400, "unauthorized_client", (c) => post("/oauth2/token", c, "grant_type=client_credentials")],
    ["a value over 4096 characters", 400, "invalid_request", (c) => post("/oauth2/token", c, `grant_type=password&username=${"u".repeat(5000)}&password=x`)],
    ["a scope with a control character", 400, "invalid_scope", (c) => post("/oauth2/token", c, "grant_type=password&username=admin&password=admin&scope=a%09b")],
    ["a non-ASCII scope", 400, "invalid_scope", (c) => post("/oauth2/token", c, "grant_type=password&username=admin&password=admin&scope=%C3%A9t%C3%A9")],
    ["a scope with a quote", 400, "invalid_scope", (c) => post("/oauth2/token", c, 'grant_type=password&username=admin&password=admin&scope=a"b')],
    ["a username with a newline", 400, "invalid_request", (c) => post("/oauth2/token", c, "grant_type=password&username=ad%0Amin&password=admin")],
    ["a non-ASCII username (wrong credentials)", 400, "invalid_grant", (c) => post("/oauth2/token", c, "grant_type=password&username=%C3%A4dmin&password=admin")],
    ["a username longer than KV keys allow", 400, "invalid_grant", (c) => post("/oauth2/token", c, `grant_type=password&username=${"u".repeat(600)}&password=x`)],
    ["a long non-ASCII username", 400, "invalid_grant", (c) => post("/oauth2/token", c, `grant_type=password&username=${"%C3%A9".repeat(300)}&password=x`)],
    ["a very long password", 400, "invalid_grant", (c) => post("/oauth2/token", c, `grant_type=password&username=admin&password=${"p".repeat(4000)}`)],
    ["introspection without a form body", 400, "invalid_request", (c) => post("/oauth2/introspect", { ...c, authorization: ADMIN_BASIC }, "", { "Content-Type": "text/plain" })],
    ["a repeated token at introspection", 400, "invalid_request", (c) => post("/oauth2/introspect", { ...c, authorization: ADMIN_BASIC }, "token=a&token=b")],
    ["a repeated token at revocation", 400, "invalid_request", (c) => post("/oauth2/revoke", c, "token=a&token=b")],
    ["revocation with a JSON body", 400, "invalid_request", (c) => post("/oauth2/revoke", c, '{"token":"a"}', { "Content-Type": "application/json" })],
    ["revocation with a body over 64 KiB", 413, "invalid_request", (c) => post("/oauth2/revoke", c, `token=${"t".repeat(70_000)}`)],
    ["a registration body over 64 KiB", 413, "invalid_request", (c) => post("/api/identity/oauth2/dcr/v1.1/register", { ...c, authorization: ADMIN_BASIC }, JSON.stringify({ client_name: "x".repeat(70_000) }), { "Content-Type": "application/json" })],
    ["GET on revocation", 405, "invalid_request", () => call("/oauth2/revoke")],
    ["an unknown path", 404, "not_found", () => call("/oauth2/nowhere")],
  ];

  for (const [name, status, error, send] of cases) {
    it(`${name} → ${status} ${error}`, async () => {
      const client = await registerClient(["password"]);
      const issued = await token(client, passwordParams());
      const before = await snapshot();

      const response = await send(client);
      expect(response.status).toBe(status);
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
      const body = await response.json<Record<string, unknown>>();
      expect(body).toEqual({ error, error_description: expect.any(String) });
      expect(body.error_description).not.toMatch(/\n\s+at /); // no stack trace

      expect(await snapshot()).toBe(before);
      expect(await isActive(issued.access_token)).toBe(true);
    });
  }

  it("405 answers carry an Allow header", async () => {
    const response = await call("/oauth2/token", { method: "GET" });
    expect(response.headers.get("Allow")).toBe("POST");
  });
});
