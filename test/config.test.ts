import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config/config";
import type { Env } from "../src/env";
import { call, FORM_TYPE, form } from "./helpers/http";
import { bindings, passwordParams, registerClient, tokenRequest } from "./helpers/oauth";

const base = { ...bindings, ADMIN_USERNAME: "admin", ADMIN_PASSWORD: "admin", TOKEN_SECRET: "a-token-secret-of-at-least-32-characters" } as Env;

describe("configuration (SPEC §3)", () => {
  it("uses the documented defaults when variables are unset", () => {
    const config = parseConfig({
      ...base,
      RENEW_TOKEN_PER_REQUEST: undefined,
      RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: undefined,
      ACCESS_TOKEN_LIFETIME: undefined,
      REFRESH_TOKEN_LIFETIME: undefined,
      ACCESS_TOKEN_FORMAT: undefined,
      INTROSPECTION_CONSISTENCY: undefined,
      ISSUER: undefined,
      ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS: undefined,
      ACCOUNT_LOCK_WINDOW: undefined,
      ACCOUNT_LOCK_DURATION: undefined,
      AUTHORIZATION_CODE_LIFETIME: undefined,
      SESSION_LIFETIME: undefined,
      REFRESH_TOKEN_REUSE_INTERVAL: undefined,
      REFRESH_TOKEN_MAX_LIFETIME: undefined,
      DPOP_NONCE_REQUIRED: undefined,
    });
    expect(config).toEqual({
      renewTokenPerRequest: false,
      renewRefreshTokenForRefreshGrant: true,
      accessTokenLifetime: 3600,
      refreshTokenLifetime: 86400,
      accessTokenFormat: "opaque",
      introspectionConsistency: "eventual",
      issuer: undefined,
      admin: { username: "admin", password: "admin" },
      tokenSecret: "a-token-secret-of-at-least-32-characters",
      lockout: { maxFailedAttempts: 5, windowMs: 900_000, durationMs: 900_000 },
      authorizationCodeLifetime: 300,
      sessionLifetime: 28_800,
      refreshTokenReuseInterval: 0,
      refreshTokenMaxLifetime: null,
      dpopNonceRequired: false,
      scopeLimits: { maxScopes: 32, maxLength: 128 },
      keyLimits: { perClient: 100_000, perUser: 1_000 },
    });
  });

  it("a fresh clone's wrangler dev (a loopback host, no secrets set) uses the local development defaults; nothing else does", () => {
    const unset = { ...base, ADMIN_USERNAME: undefined, ADMIN_PASSWORD: undefined, TOKEN_SECRET: undefined };
    expect(parseConfig(unset, true)).toMatchObject({ admin: { username: "admin", password: "admin" } });
    expect(parseConfig(unset, true).tokenSecret.length).toBeGreaterThanOrEqual(32);
    expect(() => parseConfig(unset, false)).toThrow(/^TOKEN_SECRET /);
    expect(parseConfig({ ...base, ADMIN_PASSWORD: "set" }, true).admin?.password).toBe("set");
  });

  it("a deployed Worker without the administrator secrets refuses the admin plane, naming them, and still serves tokens", async () => {
    const client = await registerClient(["client_credentials"]);
    const noAdmin = { ADMIN_USERNAME: "", ADMIN_PASSWORD: "" };
    expect((await tokenRequest(client, { grant_type: "client_credentials" }, noAdmin)).status).toBe(200);
    const admin = await call("/api/identity/oauth2/dcr/v1.1/register/x", { headers: { Authorization: `Basic ${btoa("admin:admin")}` } }, noAdmin);
    expect(admin.status).toBe(500);
    expect(await admin.text()).toContain("ADMIN_USERNAME is not set");
    const password = await tokenRequest(client, passwordParams(), noAdmin);
    expect(password.status).toBe(400); // no administrator user either
  });

  it("ships wrangler.toml with renewal per request on", () => {
    expect(parseConfig(bindings).renewTokenPerRequest).toBe(true);
  });

  it("parses explicit values", () => {
    const config = parseConfig({
      ...base,
      RENEW_TOKEN_PER_REQUEST: "TRUE",
      RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "false",
      ACCESS_TOKEN_LIFETIME: "120",
      REFRESH_TOKEN_LIFETIME: "7200",
      INTROSPECTION_CONSISTENCY: "strong",
      ISSUER: "https://id.example.com/",
    });
    expect(config).toMatchObject({
      renewTokenPerRequest: true,
      renewRefreshTokenForRefreshGrant: false,
      accessTokenLifetime: 120,
      refreshTokenLifetime: 7200,
      introspectionConsistency: "strong",
      issuer: "https://id.example.com",
    });
  });

  for (const [variable, value] of [
    ["ACCESS_TOKEN_LIFETIME", "abc"],
    ["ACCESS_TOKEN_LIFETIME", "-5"],
    ["ACCESS_TOKEN_LIFETIME", "0"],
    ["REFRESH_TOKEN_LIFETIME", "1.5"],
    ["ACCESS_TOKEN_FORMAT", "xml"],
    ["RENEW_TOKEN_PER_REQUEST", "yes"],
    ["RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT", "1"],
    ["INTROSPECTION_CONSISTENCY", "immediate"],
    ["ISSUER", "not a url"],
    ["ISSUER", "http://id.example.com"],
    ["ADMIN_PASSWORD", ""],
    ["ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS", "five"],
    ["ACCOUNT_LOCK_DURATION", "0"],
    ["ADMIN_USERNAME", undefined],
    ["TOKEN_SECRET", undefined],
    ["TOKEN_SECRET", "too short"],
  ] as const) {
    it(`rejects ${variable}=${JSON.stringify(value)} with an error naming it`, () => {
      const attempt = () => parseConfig({ ...base, [variable]: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(new RegExp(`^${variable} `));
    });
  }

  it("answers every request with a server_error naming the variable, never a silent default", async () => {
    const client = await registerClient();
    const response = await tokenRequest(client, passwordParams(), { ACCESS_TOKEN_LIFETIME: "abc" });
    expect(response.status).toBe(500);
    const body = await response.json<{ error: string; error_description: string }>();
    expect(body.error).toBe("server_error");
    expect(body.error_description).toContain("ACCESS_TOKEN_LIFETIME");

    const introspection = await call(
      "/oauth2/introspect",
      { method: "POST", headers: { ...FORM_TYPE, Authorization: `Basic ${btoa("admin:admin")}` }, body: form({ token: "x" }) },
      { INTROSPECTION_CONSISTENCY: "sometimes" },
    );
    expect(introspection.status).toBe(500);
    expect(await introspection.text()).toContain("INTROSPECTION_CONSISTENCY");

    // Every endpoint, also those that read no configuration, and unknown paths.
    for (const [path, init] of [
      ["/oauth2/jwks", {}],
      ["/oauth2/revoke", { method: "POST", headers: FORM_TYPE, body: form({ token: "x" }) }],
      ["/.well-known/openid-configuration", {}],
      ["/no/such/path", {}],
    ] as const) {
      const response = await call(path, init, { ACCESS_TOKEN_LIFETIME: "abc" });
      expect(response.status).toBe(500);
      expect(await response.text()).toContain("ACCESS_TOKEN_LIFETIME");
    }
  });

  it("accepts ACCESS_TOKEN_FORMAT=jwt", () => {
    expect(parseConfig({ ...base, ACCESS_TOKEN_FORMAT: "jwt" }).accessTokenFormat).toBe("jwt");
  });
});
