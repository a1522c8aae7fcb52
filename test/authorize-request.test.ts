import { describe, expect, it } from "vitest";
import {
  authorizeParams,
  exchangeCode,
  newUser,
  pkce,
  REDIRECT_URI,
  redirectedTo,
  registerCodeClient,
  signInAndApprove,
  TestBrowser,
  type CodeClient,
} from "./helpers/browser";
import { useTestClock } from "./helpers/clock";
import { call, FORM_TYPE, form, ORIGIN } from "./helpers/http";

const clock = useTestClock();

/**
 * The authorization request (RFC 6749 §4.1.1, §4.1.2.1, RFC 7636, RFC 9207, RFC 8252 §7.3,
 * SPEC §10): which errors are shown as a page (the client or its redirect URI cannot be trusted)
 * and which go back to the client, and what `prompt=none` answers.
 */

/** RFC 6749 §4.1.2.1 / §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`). */
const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

async function expectErrorPage(response: Response, code?: string): Promise<string> {
  const html = await response.text();
  // Exactly 400 is checked once, by "an unknown client is a 400 page…", so one cause fails one test.
  expect(response.status, html.slice(0, 400)).toBeGreaterThanOrEqual(400);
  expect(response.status, html.slice(0, 400)).toBeLessThan(500);
  expect(response.headers.get("Location")).toBeNull();
  expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(response.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
  expect(html).toMatch(/^<!doctype html>/i);
  expect(html).toContain('role="alert"');
  if (code) expect(html).toContain(code);
  return html;
}

/** An error sent back to the client: a 302 to its redirect URI with error, error_description, state, iss. */
function expectErrorRedirect(response: Response, error: string, options: { redirectUri?: string; state?: string | null; iss?: string; status?: number } = {}): URL {
  expect(response.status).toBe(options.status ?? 302);
  const location = redirectedTo(response);
  const base = options.redirectUri ?? REDIRECT_URI;
  expect(location.href.startsWith(`${base}${base.includes("?") ? "&" : "?"}`), location.href).toBe(true);
  const params = location.searchParams;
  expect(params.get("error"), location.href).toBe(error);
  expect(params.get("error_description"), location.href).toBeTruthy();
  expect(params.has("code")).toBe(false);
  const state = options.state === undefined ? "state-123" : options.state;
  if (state === null) expect(params.has("state")).toBe(false);
  else expect(params.get("state")).toBe(state);
  expect(params.get("iss")).toBe(options.iss ?? ORIGIN);
  return location;
}

function authorizeQuery(query: string): Promise<Response> {
  return call(`/oauth2/authorize?${query}`, { redirect: "manual" });
}

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function setUp(extra: Record<string, unknown> = {}) {
  const client = await registerCodeClient(extra);
  const { challenge, verifier } = await pkce();
  return { client, challenge, verifier, params: authorizeParams(client, challenge) };
}

function isLoginPage(html: string): boolean {
  return html.includes('name="password"') && html.includes('action="/oauth2/login"');
}

describe("errors shown as a page, never redirected (RFC 6749 §4.1.2.1, SPEC §10)", () => {
  it("an unknown client", async () => {
    const { params } = await setUp();
    await expectErrorPage(await authorizeQuery(query({ ...params, client_id: "no-such-client" })), "invalid_client");
  });

  it("an unknown client is a 400 page, not a 401 (a 401 needs a WWW-Authenticate challenge, RFC 9110 §15.5.2)", async () => {
    const { params } = await setUp();
    const statuses = {
      unknown: (await authorizeQuery(query({ ...params, client_id: "no-such-client" }))).status,
      tooLong: (await authorizeQuery(query({ ...params, client_id: "c".repeat(5000) }))).status,
      control: (await authorizeQuery(query({ ...params, client_id: `${params.client_id}\n` }))).status,
      post: (await call("/oauth2/authorize", { method: "POST", headers: FORM_TYPE, body: form({ ...params, client_id: "nobody" }), redirect: "manual" })).status,
    };
    expect(statuses).toEqual({ unknown: 400, tooLong: 400, control: 400, post: 400 });
  });

  it("a missing or empty client_id", async () => {
    const { params } = await setUp();
    const { client_id: _, ...rest } = params;
    await expectErrorPage(await authorizeQuery(query(rest)), "invalid_request");
    await expectErrorPage(await authorizeQuery(query({ ...params, client_id: "" })), "invalid_request");
  });

  it("a client_id with a control character or far too long", async () => {
    const { params } = await setUp();
    await expectErrorPage(await authorizeQuery(query({ ...params, client_id: `${params.client_id}\n` })));
    await expectErrorPage(await authorizeQuery(query({ ...params, client_id: "c".repeat(5000) })));
  });

  it("a repeated client_id, even with the same value twice", async () => {
    const { params, client } = await setUp();
    await expectErrorPage(await authorizeQuery(`${query(params)}&client_id=${client.id}`), "invalid_request");
  });

  it("a repeated redirect_uri, even with the same value twice", async () => {
    const { params } = await setUp();
    await expectErrorPage(await authorizeQuery(`${query(params)}&${query({ redirect_uri: REDIRECT_URI })}`), "invalid_request");
  });

  const notRegistered: [string, string][] = [
    ["another host", "https://evil.example/callback"],
    ["a trailing slash", `${REDIRECT_URI}/`],
    ["an added query", `${REDIRECT_URI}?next=/`],
    ["a fragment", `${REDIRECT_URI}#x`],
    ["another case", "https://APP.example/callback"],
    ["an explicit default port", "https://app.example:443/callback"],
    ["http instead of https", "http://app.example/callback"],
    ["a prefix of the registered one", "https://app.example/call"],
    ["a path below it", `${REDIRECT_URI}/more`],
    ["percent-encoded", "https://app.example/%63allback"],
    ["an empty value", ""],
    ["not a URI", "callback"],
  ];
  for (const [name, uri] of notRegistered) {
    it(`a redirect_uri not registered: ${name}`, async () => {
      const { params } = await setUp();
      const response = await authorizeQuery(query({ ...params, redirect_uri: uri }));
      const html = await expectErrorPage(response);
      if (uri.startsWith("https://evil")) expect(html).not.toContain("evil.example");
    });
  }

  it("a redirect_uri not registered wins over every other error: still a page", async () => {
    const { params } = await setUp();
    const response = await authorizeQuery(query({ ...params, redirect_uri: "https://evil.example/cb", response_type: "token", code_challenge: "" }));
    await expectErrorPage(response);
  });

  it("redirect_uri may be omitted when exactly one is registered, not when several are", async () => {
    const one = await setUp();
    const { redirect_uri: _, ...withoutRedirect } = one.params;
    const page = await authorizeQuery(query(withoutRedirect));
    expect(page.status).toBe(200);
    expect(isLoginPage(await page.text())).toBe(true);

    const two = await setUp({ redirect_uris: [REDIRECT_URI, "https://app.example/other"] });
    const { redirect_uri: __, ...withoutRedirect2 } = two.params;
    await expectErrorPage(await authorizeQuery(query(withoutRedirect2)), "invalid_request");
    // Naming either registered one works.
    for (const uri of [REDIRECT_URI, "https://app.example/other"]) {
      const named = await authorizeQuery(query({ ...two.params, redirect_uri: uri }));
      expect(named.status).toBe(200);
    }
  });

  it("a client registered without any redirect URI cannot use the endpoint: a page", async () => {
    const response = await call("/api/identity/oauth2/dcr/v1.1/register", {
      method: "POST",
      headers: { Authorization: `Basic ${btoa("admin:admin")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "machine", grant_types: ["client_credentials"] }),
    });
    const { client_id } = await response.json<{ client_id: string }>();
    const { challenge } = await pkce();
    const { redirect_uri: _, ...params } = authorizeParams({ id: client_id, secret: null, redirectUri: REDIRECT_URI }, challenge);
    await expectErrorPage(await authorizeQuery(query(params)));
    await expectErrorPage(await authorizeQuery(query({ ...params, redirect_uri: REDIRECT_URI })));
  });

  it("the page escapes what the request carried (no markup injection)", async () => {
    const { params } = await setUp();
    const evil = '<script>alert(1)</script>"><img src=x>';
    for (const response of [
      await authorizeQuery(query({ ...params, client_id: evil })),
      await authorizeQuery(query({ ...params, redirect_uri: evil })),
    ]) {
      const html = await expectErrorPage(response);
      expect(html).not.toContain("<script>");
      expect(html).not.toContain("<img");
    }
  });
});

describe("the loopback redirect port may vary (RFC 8252 §7.3)", () => {
  it("a client registered with http://127.0.0.1/cb may use any port, and the code is bound to that exact string", async () => {
    const { client, challenge, verifier } = await setUp({ redirect_uris: ["http://127.0.0.1/cb"] });
    const requested = "http://127.0.0.1:53210/cb";
    const user = await newUser();
    const redirect = await signInAndApprove(new TestBrowser(), user, authorizeParams({ ...client, redirectUri: requested }, challenge));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(requested);
    const code = redirect.searchParams.get("code")!;
    expect(code).toBeTruthy();
    expect(redirect.searchParams.get("iss")).toBe(ORIGIN);

    // The registered URI, or another port, is not the one the code was issued for.
    for (const other of ["http://127.0.0.1/cb", "http://127.0.0.1:53211/cb"]) {
      const refused = await exchangeCode({ ...client, redirectUri: other }, code, verifier);
      expect(refused.status).toBe(400);
      expect((await refused.json<Record<string, unknown>>()).error).toBe("invalid_grant");
    }
    const response = await exchangeCode({ ...client, redirectUri: requested }, code, verifier);
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("also for [::1] and for a registered port", async () => {
    for (const [registered, requested] of [
      ["http://[::1]/cb", "http://[::1]:40000/cb"],
      ["http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb"],
      ["http://127.0.0.1:8080/cb", "http://127.0.0.1/cb"],
    ]) {
      const { params } = await setUp({ redirect_uris: [registered] });
      const response = await authorizeQuery(query({ ...params, redirect_uri: requested! }));
      expect(response.status, `${registered} → ${requested}`).toBe(200);
    }
  });

  it("only the port: host, path, query and scheme must still match", async () => {
    const { params } = await setUp({ redirect_uris: ["http://127.0.0.1/cb"] });
    for (const uri of [
      "http://127.0.0.1:53210/other",
      "http://127.0.0.1:53210/cb?x=1",
      "http://127.0.0.1:53210/cb/",
      "http://localhost:53210/cb",
      "http://[::1]:53210/cb",
      "https://127.0.0.1:53210/cb",
      "http://evil@127.0.0.1:53210/cb",
      "http://127.0.0.2:53210/cb",
      "http://127.0.0.1:53210/cb#x",
    ]) {
      await expectErrorPage(await authorizeQuery(query({ ...params, redirect_uri: uri })));
    }
  });

  it("the port of a non-loopback https redirect may not vary", async () => {
    const { params } = await setUp({ redirect_uris: ["https://app.example/cb"] });
    await expectErrorPage(await authorizeQuery(query({ ...params, redirect_uri: "https://app.example:8443/cb" })));
  });
});

describe("every other error goes back to the client (RFC 6749 §4.1.2.1, RFC 9207)", () => {
  const cases: [string, string, (p: Record<string, string>) => string][] = [
    ["a missing response_type", "invalid_request", ({ response_type: _, ...p }) => query(p)],
    ["response_type=token", "unsupported_response_type", (p) => query({ ...p, response_type: "token" })],
    ["response_type=code id_token", "unsupported_response_type", (p) => query({ ...p, response_type: "code id_token" })],
    ["response_type=CODE", "unsupported_response_type", (p) => query({ ...p, response_type: "CODE" })],
    ["a missing code_challenge", "invalid_request", ({ code_challenge: _, ...p }) => query(p)],
    ["an empty code_challenge", "invalid_request", (p) => query({ ...p, code_challenge: "" })],
    ["code_challenge_method=plain", "invalid_request", (p) => query({ ...p, code_challenge_method: "plain", code_challenge: "a".repeat(43) })],
    ["a missing code_challenge_method (plain by default, RFC 7636 §4.3)", "invalid_request", ({ code_challenge_method: _, ...p }) => query(p)],
    ["code_challenge_method=s256", "invalid_request", (p) => query({ ...p, code_challenge_method: "s256" })],
    ["a code_challenge of 42 characters", "invalid_request", (p) => query({ ...p, code_challenge: "a".repeat(42) })],
    ["a code_challenge of 44 characters", "invalid_request", (p) => query({ ...p, code_challenge: "a".repeat(44) })],
    ["a padded code_challenge", "invalid_request", (p) => query({ ...p, code_challenge: `${"a".repeat(43)}=` })],
    ["a code_challenge in standard base64", "invalid_request", (p) => query({ ...p, code_challenge: `${"a".repeat(41)}+/` })],
    ["a scope with a control character", "invalid_scope", (p) => query({ ...p, scope: "photos\u0007" })],
    ["a scope with a quote", "invalid_scope", (p) => query({ ...p, scope: 'pho"tos' })],
    ["a scope with a backslash", "invalid_scope", (p) => query({ ...p, scope: "pho\\tos" })],
    ["a non-ASCII scope", "invalid_scope", (p) => query({ ...p, scope: "fotós" })],
    ["prompt=none with login", "invalid_request", (p) => query({ ...p, prompt: "none login" })],
    ["prompt=none with consent", "invalid_request", (p) => query({ ...p, prompt: "consent none" })],
    ["an unknown prompt", "invalid_request", (p) => query({ ...p, prompt: "select_account_now" })],
    ["max_age=-1", "invalid_request", (p) => query({ ...p, max_age: "-1" })],
    ["max_age=abc", "invalid_request", (p) => query({ ...p, max_age: "abc" })],
    ["max_age=1.5", "invalid_request", (p) => query({ ...p, max_age: "1.5" })],
    ["an empty max_age", "invalid_request", (p) => query({ ...p, max_age: "" })],
    ["a repeated scope", "invalid_request", (p) => `${query(p)}&scope=photos`],
    ["a repeated response_type", "invalid_request", (p) => `${query(p)}&response_type=code`],
    ["a repeated code_challenge", "invalid_request", (p) => `${query(p)}&${query({ code_challenge: p.code_challenge! })}`],
    ["a repeated prompt", "invalid_request", (p) => `${query(p)}&prompt=login&prompt=login`],
    ["a value over 4096 characters", "invalid_request", (p) => query({ ...p, nonce: "n".repeat(5000) })],
    ["response_mode=fragment", "invalid_request", (p) => query({ ...p, response_mode: "fragment" })],
  ];
  for (const [name, error, build] of cases) {
    it(`${name} → ${error}, with state and iss`, async () => {
      const { params } = await setUp();
      expectErrorRedirect(await authorizeQuery(build(params)), error);
    });
  }

  for (const parameter of ["request", "request_uri"]) {
    it(`the ${parameter} parameter (not supported) goes back to the client`, async () => {
      const { params } = await setUp();
      const value = parameter === "request" ? "eyJhbGciOiJub25lIn0.e30." : "urn:ietf:params:oauth:request_uri:abc";
      const response = await authorizeQuery(query({ ...params, [parameter]: value }));
      // OAuth: invalid_request; OIDC Core §3.1.2.6 also names request_not_supported / request_uri_not_supported.
      const error = redirectedTo(response).searchParams.get("error")!;
      expect(["invalid_request", `${parameter}_not_supported`]).toContain(error);
      expectErrorRedirect(response, error);
    });
  }

  it("a scope outside the client's registered list → invalid_scope; inside it the login page", async () => {
    const { params } = await setUp({ scope: "photos albums" });
    expectErrorRedirect(await authorizeQuery(query({ ...params, scope: "photos admin" })), "invalid_scope");
    expectErrorRedirect(await authorizeQuery(query({ ...params, scope: "admin" })), "invalid_scope");
    const ok = await authorizeQuery(query({ ...params, scope: "albums photos" }));
    expect(ok.status).toBe(200);
    expect(isLoginPage(await ok.text())).toBe(true);
  });

  it("a client not registered for authorization_code → unauthorized_client", async () => {
    const { params } = await setUp({ grant_types: ["client_credentials"], token_endpoint_auth_method: "client_secret_basic" });
    expectErrorRedirect(await authorizeQuery(query(params)), "unauthorized_client");
  });

  it("without state the error carries no state; a repeated state is not echoed", async () => {
    const { params } = await setUp();
    const { state: _, ...noState } = params;
    expectErrorRedirect(await authorizeQuery(query({ ...noState, response_type: "token" })), "unsupported_response_type", { state: null });
    const repeated = await authorizeQuery(`${query(params)}&state=other`);
    const location = expectErrorRedirect(repeated, "invalid_request", { state: null });
    expect(location.searchParams.getAll("state")).toEqual([]);
  });

  it("the state comes back exactly, whatever it contains", async () => {
    const { params } = await setUp();
    const state = "a b&c=d/é?#%20+";
    expectErrorRedirect(await authorizeQuery(query({ ...params, state, response_type: "token" })), "unsupported_response_type", { state });
  });

  it("iss is the configured ISSUER when set (RFC 9207 §2)", async () => {
    const { params } = await setUp();
    const response = await call(`/oauth2/authorize?${query({ ...params, response_type: "token" })}`, { redirect: "manual" }, { ISSUER: "https://id.example.com" });
    expectErrorRedirect(response, "unsupported_response_type", { iss: "https://id.example.com" });
  });

  it("a redirect URI's own query is kept (RFC 6749 §3.1.2)", async () => {
    const uri = "https://app.example/cb?tenant=a";
    const { params } = await setUp({ redirect_uris: [uri] });
    const location = expectErrorRedirect(await authorizeQuery(query({ ...params, response_type: "token" })), "unsupported_response_type", { redirectUri: uri });
    expect(location.searchParams.get("tenant")).toBe("a");
  });

  it("a private-use redirect URI gets the error too", async () => {
    const uri = "com.example.app:/cb";
    const { params } = await setUp({ redirect_uris: [uri] });
    const response = await authorizeQuery(query({ ...params, code_challenge_method: "plain" }));
    expect(response.status).toBe(302);
    const location = response.headers.get("Location")!;
    expect(location.startsWith(`${uri}?`), location).toBe(true);
    const search = new URLSearchParams(location.slice(location.indexOf("?") + 1));
    expect(search.get("error")).toBe("invalid_request");
    expect(search.get("state")).toBe("state-123");
    expect(search.get("iss")).toBe(ORIGIN);
  });

  it("every error_description uses only the characters RFC 6749 §4.1.2.1 allows (no double quote, no backslash)", async () => {
    const { params } = await setUp({ scope: "photos" });
    const bad = [
      ...cases.map(([, , build]) => build(params)),
      query({ ...params, scope: "photos admin" }),
      query({ ...params, request: "x" }),
    ];
    const offending: string[] = [];
    for (const q of bad) {
      const location = (await authorizeQuery(q)).headers.get("Location");
      const description = location ? new URL(location).searchParams.get("error_description") : null;
      if (description !== null && !ERROR_DESCRIPTION.test(description)) offending.push(description);
    }
    expect([...new Set(offending)]).toEqual([]);
  });
});

describe("POST /oauth2/authorize works like GET (OIDC Core §3.1.2.1)", () => {
  function post(body: string, headers: Record<string, string> = FORM_TYPE): Promise<Response> {
    return call("/oauth2/authorize", { method: "POST", headers, body, redirect: "manual" });
  }

  it("shows the login page", async () => {
    const { params } = await setUp();
    const response = await post(form(params));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(isLoginPage(await response.text())).toBe(true);
  });

  it("shows an unknown client as a page", async () => {
    const { params } = await setUp();
    await expectErrorPage(await post(form({ ...params, client_id: "nobody" })), "invalid_client");
  });

  it("sends other errors back to the client (303 after a POST)", async () => {
    const { params } = await setUp();
    const response = await post(form({ ...params, response_type: "token" }));
    expect([302, 303]).toContain(response.status);
    expectErrorRedirect(response, "unsupported_response_type", { status: response.status });
  });

  it("ignores the query string of a POST: the body is the request", async () => {
    const { params, client } = await setUp();
    const response = await call(`/oauth2/authorize?client_id=${client.id}`, { method: "POST", headers: FORM_TYPE, body: form({ ...params, client_id: "nobody" }), redirect: "manual" });
    await expectErrorPage(response, "invalid_client");
  });

  it("completes the flow: the same code as after a GET", async () => {
    const { client, params, verifier } = await setUp();
    const user = await newUser();
    const browser = new TestBrowser();
    let page = await browser.request("/oauth2/authorize", { method: "POST", headers: FORM_TYPE, body: form(params) });
    page = await browser.submit(page, { username: user.userName, password: user.password });
    page = await browser.submit(page, { consent: "approve" });
    const redirect = redirectedTo(page);
    expect(redirect.searchParams.get("state")).toBe("state-123");
    expect(redirect.searchParams.get("iss")).toBe(ORIGIN);
    const response = await exchangeCode(client, redirect.searchParams.get("code")!, verifier);
    expect(response.status, await response.clone().text()).toBe(200);
  });
});

describe("prompt=none never shows a page (OIDC Core §3.1.2.1, SPEC §10)", () => {
  async function loggedIn(client: CodeClient, challenge: string) {
    const user = await newUser();
    const browser = new TestBrowser();
    const page = await browser.authorize(authorizeParams(client, challenge));
    const consent = await browser.submit(page, { username: user.userName, password: user.password });
    expect(consent.status).toBe(200);
    const html = await consent.text();
    expect(html).toContain('name="consent"');
    return { browser, user, consentPage: html };
  }

  it("without a session → login_required", async () => {
    const { params } = await setUp();
    const browser = new TestBrowser();
    expectErrorRedirect(await browser.authorize({ ...params, prompt: "none" }), "login_required");
  });

  it("with a session that never consented → consent_required", async () => {
    const { client, challenge, params } = await setUp();
    const { browser } = await loggedIn(client, challenge);
    expectErrorRedirect(await browser.authorize({ ...params, prompt: "none" }), "consent_required");
  });

  it("with a session and a remembered consent → a code, no page", async () => {
    const { client, challenge, params, verifier } = await setUp();
    const { browser, consentPage } = await loggedIn(client, challenge);
    expect(redirectedTo(await browser.submit(consentPage, { consent: "approve" })).searchParams.get("code")).toBeTruthy();
    const silent = await browser.authorize({ ...params, prompt: "none" });
    expect(silent.status).toBe(302);
    const location = redirectedTo(silent);
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.get("iss")).toBe(ORIGIN);
    expect(location.searchParams.has("error")).toBe(false);
    const response = await exchangeCode(client, location.searchParams.get("code")!, verifier);
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("for a skip_consent client, a session is enough", async () => {
    const { client, challenge, params } = await setUp({ skip_consent: true });
    const user = await newUser();
    const browser = new TestBrowser();
    expect(redirectedTo(await browser.submit(await browser.authorize(authorizeParams(client, challenge)), { username: user.userName, password: user.password })).searchParams.get("code")).toBeTruthy();
    expect(redirectedTo(await browser.authorize({ ...params, prompt: "none" })).searchParams.get("code")).toBeTruthy();
  });

  it("max_age: a session older than max_age needs a new login; prompt=none then → login_required", async () => {
    const { client, challenge, params } = await setUp({ skip_consent: true });
    const user = await newUser();
    const browser = new TestBrowser();
    await browser.submit(await browser.authorize(authorizeParams(client, challenge)), { username: user.userName, password: user.password });
    clock.advance(5_000);
    expect(redirectedTo(await browser.authorize({ ...params, prompt: "none", max_age: "60" })).searchParams.get("code")).toBeTruthy();
    expectErrorRedirect(await browser.authorize({ ...params, prompt: "none", max_age: "4" }), "login_required");
    const page = await browser.authorize({ ...params, max_age: "4" });
    expect(page.status).toBe(200);
    expect(isLoginPage(await page.text())).toBe(true);
  });

  it("prompt=login with a session shows the login page again", async () => {
    const { client, challenge, params } = await setUp({ skip_consent: true });
    const user = await newUser();
    const browser = new TestBrowser();
    await browser.submit(await browser.authorize(authorizeParams(client, challenge)), { username: user.userName, password: user.password });
    expect(redirectedTo(await browser.authorize(params)).searchParams.get("code")).toBeTruthy();
    const again = await browser.authorize({ ...params, prompt: "login" });
    expect(again.status).toBe(200);
    expect(isLoginPage(await again.text())).toBe(true);
  });
});

describe("discovery lists the authorization endpoint's metadata (RFC 8414, RFC 9207, SPEC §10)", () => {
  it("at both well-known paths", async () => {
    for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]) {
      const metadata = await (await call(path)).json<Record<string, unknown>>();
      expect(metadata).toMatchObject({
        authorization_endpoint: `${ORIGIN}/oauth2/authorize`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        authorization_response_iss_parameter_supported: true,
      });
      expect(metadata.grant_types_supported).toContain("authorization_code");
      expect(metadata.token_endpoint_auth_methods_supported).toContain("none");
      expect(metadata.code_challenge_methods_supported).not.toContain("plain");
    }
  });
});
