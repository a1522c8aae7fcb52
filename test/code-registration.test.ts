import { describe, expect, it } from "vitest";
import { authorizeParams, exchangeCode, newUser, pkce, REDIRECT_URI, registerCodeClient, signInAndApprove, TestBrowser, type CodeClient } from "./helpers/browser";
import { ADMIN_BASIC, basic, call, form, FORM_TYPE } from "./helpers/http";

/**
 * Registration of authorization-code clients (RFC 7591 §2, SPEC §10): redirect URIs, the token
 * endpoint authentication method (public clients), skip_consent; and how each kind of client
 * authenticates at the token endpoint.
 */
const PATH = "/api/identity/oauth2/dcr/v1.1/register";
const ADMIN_JSON = { Authorization: ADMIN_BASIC, "Content-Type": "application/json" };

function register(body: Record<string, unknown>): Promise<Response> {
  return call(PATH, { method: "POST", headers: ADMIN_JSON, body: JSON.stringify(body) });
}

const codeClient = (extra: Record<string, unknown> = {}) => ({
  client_name: "Photo Album",
  grant_types: ["authorization_code"],
  redirect_uris: [REDIRECT_URI],
  ...extra,
});

async function registered(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await register(body);
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json<Record<string, unknown>>();
}

async function expectRefused(body: Record<string, unknown>, error: string): Promise<void> {
  const response = await register(body);
  const text = await response.text();
  expect(response.status, text).toBe(400);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(parsed.error, text).toBe(error);
  expect(typeof parsed.error_description).toBe("string");
  expect(parsed).not.toHaveProperty("client_secret");
  expect(parsed).not.toHaveProperty("client_id");
}

function read(clientId: string): Promise<Response> {
  return call(`${PATH}/${clientId}`, { headers: { Authorization: ADMIN_BASIC } });
}

function update(clientId: string, body: Record<string, unknown>): Promise<Response> {
  return call(`${PATH}/${clientId}`, { method: "PUT", headers: ADMIN_JSON, body: JSON.stringify(body) });
}

/** A code for `client`, through the login and consent pages. */
async function codeFor(client: CodeClient): Promise<{ code: string; verifier: string }> {
  const user = await newUser();
  const { verifier, challenge } = await pkce();
  const redirect = await signInAndApprove(new TestBrowser(), user, authorizeParams(client, challenge));
  const code = redirect.searchParams.get("code");
  if (!code) throw new Error(`no code in ${redirect.href}`);
  return { code, verifier };
}

function tokenCall(body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return call("/oauth2/token", { method: "POST", headers: { ...FORM_TYPE, ...headers }, body: form(body) });
}

describe("redirect_uris (RFC 7591 §2, RFC 8252 §7, SPEC §10)", () => {
  it("is required for the authorization_code grant: missing or empty is invalid_redirect_uri", async () => {
    await expectRefused({ client_name: "No redirect", grant_types: ["authorization_code"] }, "invalid_redirect_uri");
    await expectRefused(codeClient({ redirect_uris: [] }), "invalid_redirect_uri");
    await expectRefused(codeClient({ redirect_uris: null }), "invalid_redirect_uri");
  });

  const accepted: [string, string][] = [
    ["an https URI", "https://app.example/callback"],
    ["an https URI with a port, path and query", "https://app.example:8443/cb/path?tenant=a"],
    ["http on 127.0.0.1", "http://127.0.0.1/cb"],
    ["http on 127.0.0.1 with a port", "http://127.0.0.1:8080/cb"],
    ["http on [::1]", "http://[::1]/cb"],
    ["http on localhost", "http://localhost:3000/cb"],
    ["a private-use scheme (native app)", "com.example.app:/cb"],
    ["a private-use scheme with an authority", "com.example.app://oauth/cb"],
  ];
  for (const [name, uri] of accepted) {
    it(`accepts ${name}: ${uri}`, async () => {
      const body = await registered(codeClient({ redirect_uris: [uri] }));
      expect(body.redirect_uris).toEqual([uri]);
    });
  }

  it("keeps several redirect URIs as registered, in order", async () => {
    const uris = ["https://app.example/a", "http://127.0.0.1/b", "com.example.app:/c"];
    expect((await registered(codeClient({ redirect_uris: uris }))).redirect_uris).toEqual(uris);
  });

  const refused: [string, unknown][] = [
    ["http on a non-loopback host", ["http://app.example/cb"]],
    ["http on a host that only starts like localhost", ["http://localhost.evil.example/cb"]],
    ["http on a host that only starts like 127.0.0.1", ["http://127.0.0.1.evil.example/cb"]],
    ["a fragment", ["https://app.example/cb#frag"]],
    ["an empty fragment", ["https://app.example/cb#"]],
    ["a relative URI", ["/callback"]],
    ["a relative URI without a slash", ["callback"]],
    ["a network-path reference", ["//app.example/cb"]],
    ["javascript:", ["javascript:alert(1)"]],
    // RFC 9110 §4.2.2: an https URI has "://" and an authority; RFC 3986 has no backslash at all.
    ["https without an authority", ["https:app.example/cb"]],
    ["https with a single slash", ["https:/app.example/cb"]],
    ["backslashes (which WHATWG URL parsing turns into slashes)", ["https:\\\\evil.example\\cb"]],
    ["http on loopback written with backslashes", ["http:\\\\127.0.0.1\\cb"]],
    ["data:", ["data:text/html,hi"]],
    ["file:", ["file:///etc/passwd"]],
    ["a single-label custom scheme (not reverse domain)", ["myapp:/cb"]],
    ["spaces", ["https://app.example/a b"]],
    ["a control character", ["https://app.example/\u0007"]],
    ["an empty string", [""]],
    ["a string instead of an array", "https://app.example/callback"],
    ["an object instead of an array", { uri: "https://app.example/callback" }],
    ["a non-string element", ["https://app.example/callback", 42]],
    ["too many (21)", Array.from({ length: 21 }, (_, i) => `https://app.example/cb${i}`)],
    ["one over 2000 characters", [`https://app.example/${"a".repeat(2000)}`]],
    ["one good and one bad", ["https://app.example/callback", "http://evil.example/cb"]],
  ];
  for (const [name, uris] of refused) {
    it(`refuses ${name} with invalid_redirect_uri`, async () => {
      await expectRefused(codeClient({ redirect_uris: uris }), "invalid_redirect_uri");
    });
  }

  it("accepts 20 redirect URIs (the limit)", async () => {
    const uris = Array.from({ length: 20 }, (_, i) => `https://app.example/cb${i}`);
    expect((await registered(codeClient({ redirect_uris: uris }))).redirect_uris).toEqual(uris);
  });
});

describe("token_endpoint_auth_method (RFC 7591 §2)", () => {
  it("defaults to client_secret_basic, with a secret", async () => {
    const body = await registered(codeClient());
    expect(body.token_endpoint_auth_method).toBe("client_secret_basic");
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("accepts client_secret_post, with a secret", async () => {
    const body = await registered(codeClient({ token_endpoint_auth_method: "client_secret_post" }));
    expect(body.token_endpoint_auth_method).toBe("client_secret_post");
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("accepts none: a public client, which gets no client_secret", async () => {
    const body = await registered(codeClient({ token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] }));
    expect(body.token_endpoint_auth_method).toBe("none");
    expect(body).not.toHaveProperty("client_secret");
    expect(body.client_id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  for (const method of ["private_key_jwt", "client_secret_jwt", "tls_client_auth", "NONE", "", 5, true, ["none"]]) {
    it(`refuses ${JSON.stringify(method)} with invalid_client_metadata`, async () => {
      await expectRefused(codeClient({ token_endpoint_auth_method: method }), "invalid_client_metadata");
    });
  }

  for (const grant of ["password", "client_credentials"]) {
    it(`a public client cannot register the ${grant} grant`, async () => {
      await expectRefused(codeClient({ token_endpoint_auth_method: "none", grant_types: ["authorization_code", grant] }), "invalid_client_metadata");
      await expectRefused({ client_name: "x", token_endpoint_auth_method: "none", grant_types: [grant] }, "invalid_client_metadata");
    });
  }
});

describe("skip_consent (WSO2's skip consent)", () => {
  it("true is kept; false and absent are the default", async () => {
    expect((await registered(codeClient({ skip_consent: true }))).skip_consent).toBe(true);
    expect((await registered(codeClient({ skip_consent: false }))).skip_consent ?? false).toBe(false);
    expect((await registered(codeClient())).skip_consent ?? false).toBe(false);
  });

  for (const value of ["true", 1, 0, "yes", {}, []]) {
    it(`must be a boolean: ${JSON.stringify(value)} is invalid_client_metadata`, async () => {
      await expectRefused(codeClient({ skip_consent: value }), "invalid_client_metadata");
    });
  }
});

describe("reading and updating (RFC 7592)", () => {
  it("GET returns redirect_uris, token_endpoint_auth_method and skip_consent, never a secret", async () => {
    const uris = ["https://app.example/callback", "com.example.app:/cb"];
    const body = await registered(codeClient({ redirect_uris: uris, token_endpoint_auth_method: "client_secret_post", skip_consent: true }));
    const response = await read(body.client_id as string);
    expect(response.status).toBe(200);
    const info = await response.json<Record<string, unknown>>();
    expect(info).toMatchObject({
      client_id: body.client_id,
      redirect_uris: uris,
      token_endpoint_auth_method: "client_secret_post",
      skip_consent: true,
      grant_types: ["authorization_code"],
    });
    expect(info).not.toHaveProperty("client_secret");
    expect(JSON.stringify(info)).not.toContain(body.client_secret as string);
  });

  it("GET of a public client says none and has no secret", async () => {
    const client = await registerCodeClient();
    const info = await (await read(client.id)).json<Record<string, unknown>>();
    expect(info).toMatchObject({ token_endpoint_auth_method: "none", redirect_uris: [REDIRECT_URI] });
    expect(info).not.toHaveProperty("client_secret");
  });

  it("PUT replaces the redirect URIs; they are checked like at registration", async () => {
    const client = await registerCodeClient();
    const changed = await update(client.id, codeClient({ token_endpoint_auth_method: "none", redirect_uris: ["https://app.example/new"] }));
    expect(changed.status, await changed.clone().text()).toBe(200);
    expect((await changed.json<Record<string, unknown>>()).redirect_uris).toEqual(["https://app.example/new"]);
    const bad = await update(client.id, codeClient({ token_endpoint_auth_method: "none", redirect_uris: ["http://evil.example/cb"] }));
    expect(bad.status).toBe(400);
    expect((await bad.json<Record<string, unknown>>()).error).toBe("invalid_redirect_uri");
    expect((await (await read(client.id)).json<Record<string, unknown>>()).redirect_uris).toEqual(["https://app.example/new"]);
  });

  it("PUT cannot turn a public client into a confidential one", async () => {
    const client = await registerCodeClient();
    for (const method of ["client_secret_basic", "client_secret_post", undefined]) {
      const response = await update(client.id, codeClient({ grant_types: ["authorization_code", "refresh_token"], ...(method ? { token_endpoint_auth_method: method } : {}) }));
      expect(response.status, `${method}: ${await response.clone().text()}`).toBe(400);
      const body = await response.json<Record<string, unknown>>();
      expect(body.error).toBe("invalid_client_metadata");
      expect(body).not.toHaveProperty("client_secret");
    }
    expect((await (await read(client.id)).json<Record<string, unknown>>()).token_endpoint_auth_method).toBe("none");
  });

  it("PUT cannot turn a confidential client into a public one", async () => {
    const body = await registered(codeClient());
    const response = await update(body.client_id as string, codeClient({ token_endpoint_auth_method: "none" }));
    expect(response.status).toBe(400);
    expect((await response.json<Record<string, unknown>>()).error).toBe("invalid_client_metadata");
    expect((await (await read(body.client_id as string)).json<Record<string, unknown>>()).token_endpoint_auth_method).toBe("client_secret_basic");
    // The secret still works.
    const stillWorks = await tokenCall({ grant_type: "authorization_code", code: "nope", code_verifier: "v".repeat(43) }, { Authorization: basic(body.client_id as string, body.client_secret as string) });
    expect((await stillWorks.json<Record<string, unknown>>()).error).toBe("invalid_grant");
  });

  it("PUT may switch a confidential client between client_secret_basic and client_secret_post", async () => {
    const body = await registered(codeClient());
    const response = await update(body.client_id as string, codeClient({ token_endpoint_auth_method: "client_secret_post" }));
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json<Record<string, unknown>>()).token_endpoint_auth_method).toBe("client_secret_post");
  });

  it("a public client has no secret to rotate", async () => {
    const client = await registerCodeClient();
    const response = await call(`${PATH}/${client.id}/secret`, { method: "POST", headers: ADMIN_JSON, body: "{}" });
    expect(response.status).toBe(400);
    const body = await response.json<Record<string, unknown>>();
    expect(body.error).toBe("invalid_request");
    expect(body).not.toHaveProperty("client_secret");
    expect((await (await read(client.id)).json<Record<string, unknown>>()).token_endpoint_auth_method).toBe("none");
  });
});

describe("client authentication at the token endpoint (RFC 6749 §2.1, §2.3, §3.2.1)", () => {
  it("a public client authenticates with its client_id alone", async () => {
    const client = await registerCodeClient();
    const { code, verifier } = await codeFor(client);
    const response = await exchangeCode(client, code, verifier);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json<Record<string, unknown>>()).toMatchObject({ token_type: "Bearer", scope: "photos" });
  });

  it("a public client that sends a client_secret is refused (invalid_client), and its code stays usable", async () => {
    const client = await registerCodeClient();
    const { code, verifier } = await codeFor(client);
    const withSecret = await exchangeCode(client, code, verifier, { client_secret: "made-up" });
    expect(withSecret.status).toBe(401);
    expect((await withSecret.json<Record<string, unknown>>()).error).toBe("invalid_client");
    const basicAuth = await tokenCall(
      { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: client.redirectUri },
      { Authorization: basic(client.id, "made-up") },
    );
    expect(basicAuth.status).toBe(401);
    expect(basicAuth.headers.get("WWW-Authenticate")).toMatch(/^Basic /);
    expect((await basicAuth.json<Record<string, unknown>>()).error).toBe("invalid_client");
    // A refused request changed nothing: the code still redeems.
    expect((await exchangeCode(client, code, verifier)).status).toBe(200);
  });

  it("a confidential client cannot omit its secret", async () => {
    const client = await registerCodeClient({ token_endpoint_auth_method: "client_secret_basic" });
    expect(client.secret).not.toBeNull();
    const { code, verifier } = await codeFor(client);
    const bare = await exchangeCode({ ...client, secret: null }, code, verifier);
    expect(bare.status).toBe(401);
    expect((await bare.json<Record<string, unknown>>()).error).toBe("invalid_client");
    const empty = await exchangeCode({ ...client, secret: null }, code, verifier, { client_secret: "" });
    expect((await empty.json<Record<string, unknown>>()).error).toBe("invalid_client");
    // With its secret the same code works.
    const response = await exchangeCode(client, code, verifier);
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("a client_secret_post client authenticates with the secret in the body", async () => {
    const client = await registerCodeClient({ token_endpoint_auth_method: "client_secret_post" });
    const { code, verifier } = await codeFor(client);
    const response = await tokenCall({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: client.redirectUri,
      client_id: client.id,
      client_secret: client.secret!,
    });
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("a public client is not a confidential client: its client_id alone cannot use introspection", async () => {
    const client = await registerCodeClient();
    const response = await call("/oauth2/introspect", { method: "POST", headers: FORM_TYPE, body: form({ token: "x", client_id: client.id }) });
    expect(response.status).toBe(401);
  });
});
