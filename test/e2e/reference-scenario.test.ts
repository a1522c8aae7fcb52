import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./dev-server";

// SPEC §1 over real HTTP against `wrangler dev`, exactly as the README's curl lines do it.
let server: DevServer;

beforeAll(async () => {
  server = await startDevServer();
});

afterAll(async () => {
  await server?.stop();
});

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const ADMIN = `Basic ${Buffer.from("admin:admin").toString("base64")}`;

async function registerApplication(): Promise<string> {
  const response = await fetch(`${server.url}/api/identity/oauth2/dcr/v1.1/register`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "playground", grant_types: ["password", "client_credentials", "refresh_token"] }),
  });
  expect(response.status).toBe(201);
  const { client_id, client_secret } = (await response.json()) as { client_id: string; client_secret: string };
  return `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString("base64")}`;
}

async function passwordGrant(authorization: string) {
  const response = await fetch(`${server.url}/oauth2/token`, {
    method: "POST",
    headers: { Authorization: authorization, ...FORM },
    body: "grant_type=password&username=admin&password=admin&scope=somescope",
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("pragma")).toBe("no-cache");
  return (await response.json()) as Record<string, unknown>;
}

async function post(path: string, authorization: string, body: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: "POST", headers: { Authorization: authorization, ...FORM }, body });
}

async function introspect(tokenValue: string, hint?: string): Promise<string> {
  const response = await post("/oauth2/introspect", ADMIN, `token=${encodeURIComponent(tokenValue)}${hint ? `&token_type_hint=${hint}` : ""}`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("SPEC §1 reference scenario against wrangler dev", () => {
  it("renews the pair per request and the old access token introspects inactive", async () => {
    const client = await registerApplication();
    const first = await passwordGrant(client);
    const second = await passwordGrant(client);

    for (const body of [first, second]) {
      expect(body).toMatchObject({ scope: "somescope", token_type: "Bearer", expires_in: 3600 });
    }
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await introspect(first.access_token as string)).toBe('{"active":false}');
    expect(JSON.parse(await introspect(second.access_token as string))).toMatchObject({
      active: true,
      scope: "somescope",
      username: "admin",
      token_type: "Bearer",
    });
  });

  it("password grant → refresh → revoke → introspect", async () => {
    const client = await registerApplication();
    const issued = await passwordGrant(client);

    const refreshResponse = await post("/oauth2/token", client, `grant_type=refresh_token&refresh_token=${issued.refresh_token}`);
    expect(refreshResponse.status).toBe(200);
    const refreshed = (await refreshResponse.json()) as Record<string, string>;
    expect(refreshed.access_token).not.toBe(issued.access_token);
    expect(refreshed.refresh_token).not.toBe(issued.refresh_token);
    expect(await introspect(issued.access_token as string)).toBe('{"active":false}');
    expect(JSON.parse(await introspect(refreshed.access_token!))).toMatchObject({ active: true });

    const revoke = await post("/oauth2/revoke", client, `token=${refreshed.refresh_token}&token_type_hint=refresh_token`);
    expect(revoke.status).toBe(200);
    expect(await revoke.text()).toBe("");
    expect(await introspect(refreshed.access_token!)).toBe('{"active":false}');
    expect(await introspect(refreshed.refresh_token!, "refresh_token")).toBe('{"active":false}');

    const replay = await post("/oauth2/token", client, `grant_type=refresh_token&refresh_token=${refreshed.refresh_token}`);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("creates a user with SCIM and obtains a token for it", async () => {
    const created = await fetch(`${server.url}/scim2/Users`, {
      method: "POST",
      headers: { Authorization: ADMIN, "Content-Type": "application/scim+json" },
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: "kim",
        password: "MyPa33w@rd",
        emails: [{ value: "kim@example.com" }],
      }),
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; userName: string };
    expect(user.userName).toBe("kim");

    const client = await registerApplication();
    const response = await post("/oauth2/token", client, "grant_type=password&username=kim&password=MyPa33w%40rd&scope=profile");
    expect(response.status).toBe(200);
    const issued = (await response.json()) as { access_token: string };
    expect(JSON.parse(await introspect(issued.access_token))).toMatchObject({ active: true, username: "kim", scope: "profile" });

    const deleted = await fetch(`${server.url}/scim2/Users/${user.id}`, { method: "DELETE", headers: { Authorization: ADMIN, "Content-Type": "application/scim+json" } });
    expect(deleted.status).toBe(204);
    expect(await introspect(issued.access_token)).toBe('{"active":false}');
  });

  it("answers bad input with RFC-shaped errors over HTTP", async () => {
    const response = await fetch(`${server.url}/oauth2/token`, { method: "POST", headers: FORM, body: "grant_type=password" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect(await response.json()).toMatchObject({ error: "invalid_client" });
  });
});
