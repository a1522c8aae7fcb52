import { runInDurableObject } from "cloudflare:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { forgetSigningKey, signingKeyObject } from "../src/keys/signing-key-cache";
import type { SigningKeyObject } from "../src/keys/signing-key-object";
import { ADMIN_BASIC, call } from "./helpers/http";
import { bindings, introspect, isActive, passwordParams, refreshRequest, registerClient, revokeRequest, token, tokenRequest } from "./helpers/oauth";

const JWT = { ACCESS_TOKEN_FORMAT: "jwt", RENEW_TOKEN_PER_REQUEST: "false" };

async function jwks(): Promise<JSONWebKeySet> {
  const response = await call("/oauth2/jwks");
  expect(response.status).toBe(200);
  expect(response.headers.get("Cache-Control")).toMatch(/max-age=\d+/);
  return response.json<JSONWebKeySet>();
}

async function verify(jwt: string) {
  return jwtVerify(jwt, createLocalJWKSet(await jwks()), { issuer: "https://auth.example", typ: "at+jwt" });
}

/** Rotates the signing key; there is always a current key to retire (the first request creates it). */
async function rotate(): Promise<{ kid: string; previous: { kid: string; published_until: number } | null }> {
  expect((await call("/oauth2/jwks")).status).toBe(200);
  const response = await call("/api/signing-keys/rotate", { method: "POST", headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" } });
  expect(response.status).toBe(200);
  return response.json();
}

/** As on a new deployment: the key object holds no signing key and no isolate has one cached. */
async function withoutSigningKeys(): Promise<void> {
  await runInDurableObject(signingKeyObject(bindings), (_instance: SigningKeyObject, state) => {
    state.storage.sql.exec("DELETE FROM signing_keys");
  });
  forgetSigningKey();
}

describe("JWKS before any JWT", () => {
  it("is never empty: the first request creates the signing key", async () => {
    await withoutSigningKeys();
    const { keys } = await jwks();
    expect(keys).toHaveLength(1);
  });
});

describe("JWT access tokens (SPEC §5.5, RFC 9068)", () => {
  it("verifies against the served JWKS with the RFC 9068 header and claims", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("read write"), JWT);
    expect(issued.token_type).toBe("Bearer");
    const { payload, protectedHeader } = await verify(issued.access_token);

    expect(protectedHeader).toMatchObject({ alg: "ES256", typ: "at+jwt", kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: "https://auth.example",
      sub: "admin",
      aud: client.id,
      client_id: client.id,
      scope: "read write",
    });
    expect(payload.exp).toBe(payload.iat! + 3600);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    // Introspection agrees with the token.
    expect(await introspect(issued.access_token)).toMatchObject({ active: true, jti: payload.jti, aud: client.id, exp: payload.exp });
  });

  it("has the client as subject for client_credentials", async () => {
    const client = await registerClient();
    const issued = await token(client, { grant_type: "client_credentials" }, JWT);
    expect((await verify(issued.access_token)).payload).toMatchObject({ sub: client.id, scope: "default" });
  });

  it("fails verification when tampered with", async () => {
    const client = await registerClient();
    const [header, payload, signature] = (await token(client, passwordParams(), JWT)).access_token.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...claims, scope: "admin" })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    await expect(verify(`${header}.${forged}.${signature}`)).rejects.toThrow();
    expect(await introspect(`${header}.${forged}.${signature}`)).toEqual({ active: false });
  });

  it("renews on every request even with RENEW_TOKEN_PER_REQUEST=false, keeping the refresh token", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("jwt-renew"), JWT);
    const second = await token(client, passwordParams("jwt-renew"), JWT);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(second.expires_in).toBe(3600);
    expect(await introspect(first.access_token)).toEqual({ active: false });
    expect(await isActive(second.access_token)).toBe(true);
    await verify(first.access_token); // still a valid signature: only introspection knows it is dead
  });

  it("renews the refresh token too when RENEW_TOKEN_PER_REQUEST=true", async () => {
    const client = await registerClient();
    const vars = { ...JWT, RENEW_TOKEN_PER_REQUEST: "true" };
    const first = await token(client, passwordParams("jwt-both"), vars);
    const second = await token(client, passwordParams("jwt-both"), vars);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await isActive(first.refresh_token!, {}, "refresh_token")).toBe(false);
  });

  it("revokes and refreshes JWTs like opaque tokens, in eventual and strong mode", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("jwt-revoke"), JWT);
    const refreshed = await (await refreshRequest(client, issued.refresh_token!, {}, JWT)).json<{ access_token: string; refresh_token: string }>();
    expect(decodeProtectedHeader(refreshed.access_token).typ).toBe("at+jwt");
    expect(await isActive(issued.access_token)).toBe(false);

    expect((await revokeRequest(client, refreshed.access_token)).status).toBe(200);
    expect(await introspect(refreshed.access_token)).toEqual({ active: false });
    expect(await introspect(refreshed.access_token, { vars: { INTROSPECTION_CONSISTENCY: "strong" } })).toEqual({ active: false });
    expect((await refreshRequest(client, refreshed.refresh_token)).status).toBe(400);
  });

  it("strong introspection confirms a live JWT with its grant object", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("jwt-strong"), JWT);
    expect(await introspect(issued.access_token, { vars: { INTROSPECTION_CONSISTENCY: "strong" } })).toMatchObject({ active: true });
  });
});

describe("signing key rotation", () => {
  it("signs new tokens with the new kid while old tokens still verify", async () => {
    const client = await registerClient();
    const before = await token(client, passwordParams("rotate-a"), JWT);
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const rotation = await rotate();
    expect(rotation.previous?.kid).toBe(oldKid);
    expect(rotation.kid).not.toBe(oldKid);
    // Published for the longest lifetime in force (3600 s) plus the isolate cache and a margin.
    expect(rotation.previous!.published_until - Date.now() / 1000).toBeGreaterThanOrEqual(3600 + 120 - 1);

    const after = await token(client, passwordParams("rotate-b"), JWT);
    expect(decodeProtectedHeader(after.access_token).kid).toBe(rotation.kid);
    const kids = (await jwks()).keys.map((key) => key.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, rotation.kid]));
    await verify(before.access_token);
    await verify(after.access_token);
  });

  it("keeps the previous key published for the longest per-client lifetime", async () => {
    await registerClient(["password"], { access_token_format: "jwt", access_token_lifetime: 7200 });
    const rotation = await rotate();
    expect(rotation.previous!.published_until - Date.now() / 1000).toBeGreaterThanOrEqual(7200 + 120 - 1);
  });

  it("remembers a longer lifetime a client had before it was lowered (its tokens are still out there)", async () => {
    const client = await registerClient(["password"], { access_token_format: "jwt", access_token_lifetime: 864_000 });
    await token(client, passwordParams());
    await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}`, {
      method: "PUT",
      headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "x", grant_types: ["password"], access_token_format: "jwt", access_token_lifetime: 600 }),
    });
    const rotation = await rotate();
    expect(rotation.previous!.published_until - Date.now() / 1000).toBeGreaterThanOrEqual(864_000 + 120 - 1);
  });

  it("requires the administrator", async () => {
    const response = await call("/api/signing-keys/rotate", { method: "POST" });
    expect(response.status).toBe(401);
  });

  it("publishes only public key material", async () => {
    for (const key of (await jwks()).keys) {
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(key).not.toHaveProperty("d");
    }
  });
});

describe("per-client token format and lifetimes", () => {
  it("a client registered for jwt gets JWTs from an opaque server, and vice versa", async () => {
    const jwtClient = await registerClient(undefined, { access_token_format: "jwt" });
    const opaqueClient = await registerClient(undefined, { access_token_format: "opaque" });
    const a = await token(jwtClient, passwordParams(), { ACCESS_TOKEN_FORMAT: "opaque" });
    const b = await token(opaqueClient, passwordParams(), { ACCESS_TOKEN_FORMAT: "jwt" });
    await verify(a.access_token);
    expect(b.access_token).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it("uses the client's lifetimes over the server's", async () => {
    const client = await registerClient(undefined, { access_token_lifetime: 600, refresh_token_lifetime: 1200 });
    const issued = await token(client, passwordParams());
    expect(issued.expires_in).toBe(600);
    const refresh = await introspect(issued.refresh_token!, { hint: "refresh_token" });
    expect((refresh.exp as number) - (refresh.iat as number)).toBe(1200);
    const refreshed = await (await refreshRequest(client, issued.refresh_token!)).json<{ expires_in: number }>();
    expect(refreshed.expires_in).toBe(600);
  });

  it("refuses bad overrides at registration", async () => {
    for (const extra of [{ access_token_format: "xml" }, { access_token_lifetime: 0 }, { refresh_token_lifetime: "60" }, { access_token_lifetime: 1.5 }]) {
      const response = await call("/api/identity/oauth2/dcr/v1.1/register", {
        method: "POST",
        headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
        body: JSON.stringify({ client_name: "x", grant_types: ["password"], ...extra }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_client_metadata" });
    }
  });

  it("switching a client's format does not hand back a token of the other format", async () => {
    const client = await registerClient();
    const opaque = await token(client, passwordParams("switch"), { RENEW_TOKEN_PER_REQUEST: "false" });
    const jwt = await token(client, passwordParams("switch"), JWT);
    const back = await tokenRequest(client, passwordParams("switch"), { RENEW_TOKEN_PER_REQUEST: "false" });
    const body = await back.json<{ access_token: string }>();
    expect(jwt.access_token.split(".")).toHaveLength(3);
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(body.access_token).not.toBe(opaque.access_token);
    expect(await isActive(body.access_token)).toBe(true);
    expect(await isActive(jwt.access_token)).toBe(false);
  });
});
