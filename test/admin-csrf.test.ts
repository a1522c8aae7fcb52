import { describe, expect, it } from "vitest";
import { ADMIN_BASIC, basic, call } from "./helpers/http";
import { createUser, registerClient, scim, tokenRequest, uniqueName, type TestClient } from "./helpers/oauth";

/**
 * SPEC §14, CSRF on the admin plane: a browser that cached the administrator's Basic credentials
 * sends them along with whatever request another site makes it send, but without a CORS preflight
 * that can only be a *simple* request (a form post, a text/plain or body-less fetch). Every
 * state-changing admin request must therefore be non-simple: a JSON Content-Type or an
 * X-Requested-With header; anything else is a 400 that changes nothing.
 */

const REGISTER = "/api/identity/oauth2/dcr/v1.1/register";
const ROTATE_KEY = "/api/signing-keys/rotate";
const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

/** The simple requests a cross-site page can make the administrator's browser send. */
const SIMPLE: Record<string, { headers: Record<string, string>; body?: string }> = {
  "body-less": { headers: {} },
  "form post": { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "a=b" },
  "multipart form": { headers: { "Content-Type": "multipart/form-data; boundary=x" }, body: "--x--\r\n" },
  "text/plain JSON": { headers: { "Content-Type": "text/plain" }, body: '{"client_name":"x","grant_types":["password"]}' },
  "text/plain naming JSON in a parameter": { headers: { "Content-Type": "text/plain; x=application/json" }, body: "{}" },
};

function adminCall(path: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return call(path, { method, headers: { Authorization: ADMIN_BASIC, ...headers }, ...(body === undefined ? {} : { body }) });
}

async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  const body = await response.json<Record<string, unknown>>();
  expect(body).toMatchObject({ error: "invalid_request" });
  expect(String(body.error_description)).toContain("Content-Type: application/json");
}

async function expectScimRefused(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/scim\+json/);
  expect(await response.json()).toMatchObject({ schemas: [SCIM_ERROR], status: "400", scimType: "invalidSyntax" });
}

/** The client's secret still works: no rotation happened. */
async function secretWorks(client: TestClient): Promise<boolean> {
  return (await tokenRequest(client, { grant_type: "client_credentials", scope: "csrf" })).status === 200;
}

async function rotateKey(headers: Record<string, string>): Promise<{ kid: string; previous: { kid: string } | null }> {
  const response = await adminCall(ROTATE_KEY, "POST", headers);
  expect(response.status).toBe(200);
  return response.json();
}

describe("CSRF on the admin plane (SPEC §14)", () => {
  it("secret rotation: a simple request is refused and the secret stays; a JSON or X-Requested-With request rotates it", async () => {
    const client = await registerClient();
    for (const [kind, simple] of Object.entries(SIMPLE)) {
      const response = await adminCall(`${REGISTER}/${client.id}/secret`, "POST", simple.headers, simple.body);
      await expectRefused(response).catch((error: Error) => {
        throw new Error(`${kind}: ${error.message}`);
      });
    }
    expect(await secretWorks(client)).toBe(true);

    const proper: Record<string, string>[] = [{ "Content-Type": "application/json" }, { "Content-Type": "application/json; charset=utf-8" }, { "X-Requested-With": "fetch" }];
    for (const headers of proper) {
      const response = await adminCall(`${REGISTER}/${client.id}/secret`, "POST", headers);
      expect(response.status).toBe(200);
      const { client_secret } = await response.json<{ client_secret: string }>();
      const rotated = { ...client, secret: client_secret, authorization: basic(client.id, client_secret) };
      expect(await secretWorks(client)).toBe(false);
      expect(await secretWorks(rotated)).toBe(true);
      Object.assign(client, rotated);
    }
  });

  it("signing-key rotation: a simple request is refused and the key stays; a proper request rotates it", async () => {
    const before = await rotateKey({ "Content-Type": "application/json" });
    for (const simple of Object.values(SIMPLE)) await expectRefused(await adminCall(ROTATE_KEY, "POST", simple.headers, simple.body));
    // The next rotation retires the key the first one made: the refused ones rotated nothing.
    const after = await rotateKey({ "X-Requested-With": "XMLHttpRequest" });
    expect(after.previous?.kid).toBe(before.kid);
  });

  it("client deletion and update: refused without a JSON Content-Type, the client stays", async () => {
    const client = await registerClient();
    await expectRefused(await adminCall(`${REGISTER}/${client.id}`, "DELETE"));
    const formPut = await adminCall(`${REGISTER}/${client.id}`, "PUT", { "Content-Type": "text/plain" }, '{"client_name":"x","grant_types":["password"]}');
    await expectRefused(formPut);
    const read = await adminCall(`${REGISTER}/${client.id}`, "GET");
    expect(read.status).toBe(200); // reads need no header
    expect(await read.json()).toMatchObject({ client_name: "test app" });
    expect(await secretWorks(client)).toBe(true);

    expect((await adminCall(`${REGISTER}/${client.id}`, "DELETE", { "X-Requested-With": "fetch" })).status).toBe(204);
    expect(await secretWorks(client)).toBe(false);
  });

  it("registration: a text/plain or form body registers nothing", async () => {
    for (const simple of [SIMPLE["text/plain JSON"]!, SIMPLE["form post"]!]) await expectRefused(await adminCall(REGISTER, "POST", simple.headers, simple.body));
  });

  it("SCIM: simple create, PATCH and DELETE are refused with a SCIM error; the user stays", async () => {
    const userName = uniqueName("csrf");
    const id = await createUser(userName, "first password");
    const patch = JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value: { active: false } }] });
    await expectScimRefused(await adminCall(`/scim2/Users/${id}`, "DELETE"));
    await expectScimRefused(await adminCall(`/scim2/Users/${id}`, "PATCH", { "Content-Type": "text/plain" }, patch));
    const user = JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: uniqueName("csrf"), password: "p" });
    await expectScimRefused(await adminCall("/scim2/Users", "POST", { "Content-Type": "text/plain" }, user));

    const read = await scim(`/${id}`, "GET");
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ userName, active: true });
    expect((await adminCall(`/scim2/Users/${id}`, "DELETE", { "Content-Type": "application/scim+json" })).status).toBe(204);
    expect((await scim(`/${id}`, "GET")).status).toBe(404);
  });

  it("an unauthenticated request is still a 401, and no preflight is granted", async () => {
    const client = await registerClient();
    const response = await call(`${REGISTER}/${client.id}/secret`, { method: "POST" });
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic /);
    // A non-simple cross-site request needs a preflight; the Worker grants none.
    const preflight = await call(ROTATE_KEY, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toBeNull();
  });
});
