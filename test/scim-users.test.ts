import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RegistryObject } from "../src/registry/registry-object";
import { ADMIN_BASIC, call } from "./helpers/http";
import {
  bindings,
  createUser,
  introspect,
  isActive,
  refreshRequest,
  registerClient,
  scim,
  token,
  tokenRequest,
  uniqueName,
  userParams,
} from "./helpers/oauth";

const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

async function expectScimError(response: Response, status: number, scimType?: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/scim\+json/);
  const body = await response.json<Record<string, unknown>>();
  expect(body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  if (scimType) expect(body.scimType).toBe(scimType);
}

async function registryDump(): Promise<string> {
  return runInDurableObject(bindings.REGISTRY.getByName("registry"), (_i: RegistryObject, state) =>
    JSON.stringify(state.storage.sql.exec("SELECT * FROM users").toArray()),
  );
}

describe("SCIM 2.0 Users (RFC 7643/7644 subset)", () => {
  it("creates a user: 201, Location, SCIM representation, no password", async () => {
    const userName = uniqueName("alice");
    const response = await scim("", "POST", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName,
      password: "S3cret!pass",
      name: { givenName: "Alice", familyName: "Liddell" },
      emails: [{ value: "alice@example.com", primary: true }],
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/scim\+json/);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName,
      active: true,
      name: { givenName: "Alice", familyName: "Liddell" },
      emails: [{ value: "alice@example.com", primary: true }],
      meta: { resourceType: "User", location: `https://auth.example/scim2/Users/${body.id}` },
    });
    expect(response.headers.get("Location")).toBe(`https://auth.example/scim2/Users/${body.id}`);
    expect(JSON.stringify(body)).not.toContain("S3cret!pass");
    expect(body).not.toHaveProperty("password");
  });

  it("accepts application/json as well as application/scim+json", async () => {
    const response = await call("/scim2/Users", {
      method: "POST",
      headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
      body: JSON.stringify({ userName: uniqueName(), password: "pw" }),
    });
    expect(response.status).toBe(201);
  });

  it("lets a user created a moment ago use the password grant at once", async () => {
    const client = await registerClient();
    const userName = uniqueName("bob");
    const id = await createUser(userName, "bob-password");
    const issued = await token(client, userParams(userName, "bob-password", "read"));
    // `sub` is the user's stable SCIM id; `username` the (reassignable) userName (README: Subjects).
    expect(await introspect(issued.access_token)).toMatchObject({ active: true, username: userName, sub: id });
  });

  it("falls back to the registry when the KV projection has not arrived", async () => {
    const client = await registerClient();
    const userName = uniqueName();
    await createUser(userName, "pw");
    await bindings.REGISTRY_CACHE.delete(`u:${userName.toLowerCase()}`);
    expect((await tokenRequest(client, userParams(userName, "pw"))).status).toBe(200);
  });

  it("reads a user by id, and answers 404 as a SCIM error for an unknown id", async () => {
    const userName = uniqueName();
    const id = await createUser(userName, "pw");
    const response = await scim(`/${id}`, "GET");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id, userName });
    await expectScimError(await scim("/no-such-id", "GET"), 404);
  });

  it('filters by userName eq "…" (case-insensitively) into a ListResponse', async () => {
    const userName = uniqueName("Carol");
    const id = await createUser(userName, "pw");
    const filter = encodeURIComponent(`userName eq "${userName.toLowerCase()}"`);
    const response = await call(`/scim2/Users?filter=${filter}`, { headers: { Authorization: ADMIN_BASIC } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
      Resources: [{ id, userName }],
    });
    const none = await call(`/scim2/Users?filter=${encodeURIComponent('userName eq "nobody-at-all"')}`, { headers: { Authorization: ADMIN_BASIC } });
    expect(await none.json()).toMatchObject({ totalResults: 0, Resources: [] });
    await expectScimError(await call(`/scim2/Users?filter=${encodeURIComponent('emails co "x"')}`, { headers: { Authorization: ADMIN_BASIC } }), 400, "invalidFilter");
  });

  it("lists users with startIndex and count (RFC 7644 §3.4.2.4)", async () => {
    await createUser(uniqueName("list"), "pw");
    await createUser(uniqueName("list"), "pw");
    const list = async (query: string) =>
      (await call(`/scim2/Users?${query}`, { headers: { Authorization: ADMIN_BASIC } })).json<{ totalResults: number; itemsPerPage: number; startIndex: number; Resources: { id: string }[] }>();
    const both = await list("startIndex=1&count=2");
    const first = await list("startIndex=1&count=1");
    const second = await list("startIndex=2&count=1");
    expect(both.totalResults).toBeGreaterThanOrEqual(2);
    expect([first.Resources[0]!.id, second.Resources[0]!.id]).toEqual(both.Resources.map((r) => r.id));
    expect(second.startIndex).toBe(2);

    const none = await list("count=0");
    expect(none).toMatchObject({ totalResults: both.totalResults, itemsPerPage: 0, Resources: [] });
    expect(await list("count=-5")).toMatchObject({ itemsPerPage: 0 });
    expect(await list("startIndex=0&count=1")).toMatchObject({ startIndex: 1, Resources: [{ id: first.Resources[0]!.id }] });
    expect(await list("startIndex=1e20")).toMatchObject({ totalResults: both.totalResults, Resources: [] });
    await expectScimError(await call("/scim2/Users?count=abc", { headers: { Authorization: ADMIN_BASIC } }), 400, "invalidValue");
  });

  it("refuses a duplicate userName with 409 uniqueness, case-insensitively, and the administrator's name", async () => {
    const userName = uniqueName("dup");
    await createUser(userName, "pw");
    await expectScimError(await scim("", "POST", { userName, password: "pw" }), 409, "uniqueness");
    await expectScimError(await scim("", "POST", { userName: userName.toUpperCase(), password: "pw" }), 409, "uniqueness");
    await expectScimError(await scim("", "POST", { userName: "Admin", password: "pw" }), 409, "uniqueness");
  });

  it("creates exactly one user when ten creations of one userName race", async () => {
    const userName = uniqueName("race");
    const responses = await Promise.all(Array.from({ length: 10 }, () => scim("", "POST", { userName, password: "pw" })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
  });

  for (const [name, body, scimType] of [
    ["no userName", { password: "pw" }, "invalidValue"],
    ["no password", { userName: "x" }, "invalidValue"],
    ["a userName with a control character", { userName: "a\u0001b", password: "pw" }, "invalidValue"],
    ["a userName over 256 bytes of UTF-8", { userName: "é".repeat(200), password: "pw" }, "invalidValue"],
    ["active that is not a boolean", { userName: "x", password: "pw", active: "yes" }, "invalidValue"],
    ["emails that are not addresses", { userName: "x", password: "pw", emails: [{ value: "nope" }] }, "invalidValue"],
    ["an unknown name part", { userName: "x", password: "pw", name: { nickname: "x" } }, "invalidValue"],
    ["a JSON array", [1], "invalidSyntax"],
  ] as const) {
    it(`answers 400 ${scimType} for ${name}`, async () => {
      await expectScimError(await scim("", "POST", body), 400, scimType);
    });
  }

  it("answers SCIM errors also for a body over 64 KiB, an unknown path and a string `schemas`", async () => {
    await expectScimError(await scim("", "POST", { userName: "x", password: "x".repeat(70_000) }), 413);
    await expectScimError(await call("/scim2/Users/a/b", { headers: { Authorization: ADMIN_BASIC } }), 404);
    const id = await createUser(uniqueName(), "pw");
    await expectScimError(await scim(`/${id}`, "PATCH", { schemas: "x", Operations: [{ op: "replace", path: "active", value: true }] }), 400, "invalidSyntax");
  });

  it("refuses a body that is not valid UTF-8", async () => {
    const body = new Uint8Array([...new TextEncoder().encode('{"userName":"'), 0xff, ...new TextEncoder().encode('","password":"pw"}')]);
    const response = await call("/scim2/Users", { method: "POST", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/scim+json" }, body });
    await expectScimError(response, 400, "invalidSyntax");
  });

  it("answers 400 invalidSyntax for malformed JSON and a wrong content type", async () => {
    const malformed = await call("/scim2/Users", { method: "POST", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/scim+json" }, body: "{" });
    await expectScimError(malformed, 400, "invalidSyntax");
    const wrongType = await call("/scim2/Users", { method: "POST", headers: { Authorization: ADMIN_BASIC, "Content-Type": "text/plain" }, body: "{}" });
    await expectScimError(wrongType, 400, "invalidSyntax");
  });

  it("requires the administrator (401 SCIM error with a challenge)", async () => {
    const response = await call("/scim2/Users", { method: "POST", headers: { "Content-Type": "application/scim+json" }, body: "{}" });
    await expectScimError(response, 401);
    expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
    expect((await call("/scim2/Users/x", { headers: { Authorization: `Basic ${btoa("admin:nope")}` } })).status).toBe(401);
  });

  it("answers 405 for other methods", async () => {
    const response = await call("/scim2/Users/x", { method: "PUT", headers: { Authorization: ADMIN_BASIC } });
    await expectScimError(response, 405);
    expect(response.headers.get("Allow")).toBe("GET, PATCH, DELETE");
  });

  it("hashes passwords with PBKDF2-SHA256, 100,000 iterations and a per-user salt; never stores or returns them", async () => {
    const [a, b] = [uniqueName("hash"), uniqueName("hash")];
    await createUser(a, "same-password-123");
    await createUser(b, "same-password-123");
    const dump = await registryDump();
    expect(dump).not.toContain("same-password-123");
    const projection = (await bindings.REGISTRY_CACHE.get<{ password: Record<string, unknown> }>(`u:${a.toLowerCase()}`, "json"))!;
    const other = (await bindings.REGISTRY_CACHE.get<{ password: Record<string, unknown> }>(`u:${b.toLowerCase()}`, "json"))!;
    // Production Workers refuse more than 100,000 iterations; local workerd does not, so assert it.
    expect(projection.password).toMatchObject({ alg: "PBKDF2-SHA256", iterations: 100_000 });
    expect(projection.password.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(projection.password.salt).not.toBe(other.password.salt);
    expect(projection.password.hash).not.toBe(other.password.hash);
    expect(JSON.stringify(projection)).not.toContain("same-password-123");
  });
});

describe("PATCH and DELETE, and what they do to tokens", () => {
  async function userWithTokens(password = "old-password") {
    const client = await registerClient();
    const userName = uniqueName("patch");
    const id = await createUser(userName, password);
    const issued = await token(client, userParams(userName, password, "x"));
    return { client, userName, id, issued };
  }

  it("replaces the password: the old one fails, the new works, earlier tokens die", async () => {
    const { client, userName, id, issued } = await userWithTokens();
    const patched = await scim(`/${id}`, "PATCH", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "password", value: "new-password" }],
    });
    expect(patched.status).toBe(200);
    expect(JSON.stringify(await patched.json())).not.toContain("new-password");

    expect((await tokenRequest(client, userParams(userName, "old-password", "x"))).status).toBe(400);
    expect((await tokenRequest(client, userParams(userName, "new-password", "x"))).status).toBe(200);
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await isActive(issued.access_token, { INTROSPECTION_CONSISTENCY: "strong" })).toBe(false);
    expect((await refreshRequest(client, issued.refresh_token!)).status).toBe(400);
  });

  it("deactivates and reactivates a user (value-object form of replace)", async () => {
    const { client, userName, id, issued } = await userWithTokens("pw");
    const off = await scim(`/${id}`, "PATCH", { Operations: [{ op: "replace", value: { active: false } }] });
    expect(await off.json()).toMatchObject({ active: false });
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await (await tokenRequest(client, userParams(userName, "pw", "x"))).json()).toMatchObject({ error: "invalid_grant" });

    await scim(`/${id}`, "PATCH", { Operations: [{ op: "replace", path: "active", value: true }] });
    expect((await tokenRequest(client, userParams(userName, "pw", "x"))).status).toBe(200);
  });

  it("merges a name part into the existing name instead of replacing it", async () => {
    const id = await createUser(uniqueName(), "pw", { name: { givenName: "Kim", familyName: "Berry" } });
    const response = await scim(`/${id}`, "PATCH", { Operations: [{ op: "add", path: "name.familyName", value: "Lee" }] });
    expect(await response.json()).toMatchObject({ name: { givenName: "Kim", familyName: "Lee" } });
    const replaced = await scim(`/${id}`, "PATCH", {
      Operations: [
        { op: "replace", path: "name", value: { formatted: "K. Lee" } },
        { op: "replace", path: "name.givenName", value: "Kay" },
      ],
    });
    expect((await replaced.json<{ name: unknown }>()).name).toEqual({ formatted: "K. Lee", givenName: "Kay" });
  });

  it("reads attribute paths case-insensitively, with or without the User schema URN", async () => {
    const id = await createUser(uniqueName(), "pw");
    const response = await scim(`/${id}`, "PATCH", {
      Operations: [
        { op: "replace", path: "Active", value: false },
        { op: "replace", path: "urn:ietf:params:scim:schemas:core:2.0:User:name.GIVENNAME", value: "Ann" },
      ],
    });
    expect(await response.json()).toMatchObject({ active: false, name: { givenName: "Ann" } });
  });

  it("changes name and emails without touching tokens", async () => {
    const { id, issued } = await userWithTokens();
    const response = await scim(`/${id}`, "PATCH", {
      Operations: [
        { op: "replace", path: "name.givenName", value: "Dora" },
        { op: "add", path: "emails", value: [{ value: "dora@example.com" }] },
      ],
    });
    expect(await response.json()).toMatchObject({ name: { givenName: "Dora" }, emails: [{ value: "dora@example.com" }] });
    expect(await isActive(issued.access_token)).toBe(true);
  });

  for (const [name, operations, scimType] of [
    ["userName", [{ op: "replace", path: "userName", value: "x" }], "mutability"],
    ["an unknown path", [{ op: "replace", path: "nickName", value: "x" }], "invalidPath"],
    ["a non-boolean active", [{ op: "replace", path: "active", value: "no" }], "invalidValue"],
    ["removing the password", [{ op: "remove", path: "password" }], "mutability"],
    ["an unknown op", [{ op: "move", path: "active", value: true }], "invalidSyntax"],
    ["a path with an extra part", [{ op: "replace", path: "name.givenName.bogus", value: "x" }], "invalidPath"],
    ["an unknown name part", [{ op: "replace", path: "name.nickname", value: "x" }], "invalidPath"],
  ] as const) {
    it(`refuses a PATCH of ${name} with 400 ${scimType} and changes nothing`, async () => {
      const { id, issued } = await userWithTokens();
      await expectScimError(await scim(`/${id}`, "PATCH", { Operations: operations }), 400, scimType);
      expect(await isActive(issued.access_token)).toBe(true);
    });
  }

  it("deletes a user: 204, then 404; tokens die; the name can be registered again and used", async () => {
    const { client, userName, id, issued } = await userWithTokens("pw");
    const deleted = await scim(`/${id}`, "DELETE");
    expect(deleted.status).toBe(204);
    await expectScimError(await scim(`/${id}`, "GET"), 404);
    await expectScimError(await scim(`/${id}`, "DELETE"), 404);
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await isActive(issued.refresh_token!, {}, "refresh_token")).toBe(false);
    expect((await tokenRequest(client, userParams(userName, "pw", "x"))).status).toBe(400);

    await createUser(userName, "pw2");
    const fresh = await token(client, userParams(userName, "pw2", "x"));
    expect(await isActive(fresh.access_token)).toBe(true);
  });
});
