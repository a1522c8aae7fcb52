import { rmSync } from "node:fs";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { newStateDir, startDevServer, type DevServer } from "./dev-server";

// JWT mode over real HTTP: the JWKS is fetched from wrangler dev, and the signing key survives a
// restart of wrangler dev on the same persisted state.
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const ADMIN = `Basic ${Buffer.from("admin:admin").toString("base64")}`;
const stateDir = newStateDir();
let server: DevServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function start(): Promise<DevServer> {
  server = await startDevServer({ stateDir, vars: { ACCESS_TOKEN_FORMAT: "jwt" } });
  return server;
}

async function register(url: string): Promise<string> {
  const response = await fetch(`${url}/api/identity/oauth2/dcr/v1.1/register`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "jwt app", grant_types: ["password"] }),
  });
  const { client_id, client_secret } = (await response.json()) as { client_id: string; client_secret: string };
  return `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString("base64")}`;
}

async function jwtFor(url: string, client: string): Promise<string> {
  const response = await fetch(`${url}/oauth2/token`, {
    method: "POST",
    headers: { Authorization: client, ...FORM },
    body: "grant_type=password&username=admin&password=admin&scope=api",
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function verifyOverHttp(url: string, jwt: string) {
  return jwtVerify(jwt, createRemoteJWKSet(new URL(`${url}/oauth2/jwks`)), { issuer: url, typ: "at+jwt" });
}

describe("JWT access tokens against wrangler dev", () => {
  it("verify against the JWKS served over HTTP, and keep verifying after a restart on the same state", async () => {
    let dev = await start();
    const client = await register(dev.url);
    const jwt = await jwtFor(dev.url, client);
    const { payload, protectedHeader } = await verifyOverHttp(dev.url, jwt);
    expect(payload).toMatchObject({ sub: "admin", scope: "api", iss: dev.url });
    const kidBefore = protectedHeader.kid;

    await dev.stop();
    dev = await start();
    const { payload: again } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${dev.url}/oauth2/jwks`)), { typ: "at+jwt" });
    expect(again.jti).toBe(payload.jti);
    const next = await jwtFor(dev.url, client);
    expect(decodeProtectedHeader(next).kid).toBe(kidBefore);
  });
});
