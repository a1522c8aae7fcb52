import { onTestFinished, describe, expect, it, vi } from "vitest";
import { ConsentObject } from "../src/browser/consent-object";
import { SessionObject } from "../src/browser/session-object";
import { GrantObject } from "../src/grant-object/grant-object";
import { LockoutObject } from "../src/registry/lockout-object";
import { authorizeCode, authorizeParams, exchangeCode, hiddenFields, newUser, pkce, REDIRECT_URI, registerCodeClient, TestBrowser, type CodeClient } from "./helpers/browser";
import { useTestClock } from "./helpers/clock";
import { call, form, FORM_TYPE } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import { createUser, uniqueName } from "./helpers/oauth";

/**
 * SPEC §7 for the endpoints of the code flow: /oauth2/authorize, /oauth2/login, /oauth2/consent
 * (a person's browser: every error is an HTML page, never JSON) and the authorization_code token
 * request (RFC 6749 §5.2 JSON). Never a 500, and a request that fails writes nothing: no KV key,
 * no session, no consent, no code, no lockout count.
 */
useTestClock();

const SESSION = "__Host-session";
const oversized = (name: string) => `${name}=${"a".repeat(64 * 1024)}`;

/** Counts every write a failed request could make, from the moment it is called until the test ends. */
function watchWrites() {
  const tokens = recordKv("TOKEN_STATUS");
  const registry = recordKv("REGISTRY_CACHE");
  const spies = {
    sessions: vi.spyOn(SessionObject.prototype, "start"),
    consents: vi.spyOn(ConsentObject.prototype, "approve"),
    codes: vi.spyOn(GrantObject.prototype, "createCode"),
    tokens: vi.spyOn(GrantObject.prototype, "issueTokens"),
    lockouts: vi.spyOn(LockoutObject.prototype, "recordFailure"),
  };
  onTestFinished(() => {
    for (const spy of Object.values(spies)) spy.mockRestore();
  });
  return {
    counts: () => ({
      kvTokenStatus: tokens.kv.puts.size,
      kvRegistry: registry.kv.puts.size,
      sessionsStarted: spies.sessions.mock.calls.length,
      consentsApproved: spies.consents.mock.calls.length,
      codesCreated: spies.codes.mock.calls.length,
      tokensIssued: spies.tokens.mock.calls.length,
      lockoutFailures: spies.lockouts.mock.calls.length,
    }),
  };
}

const NOTHING = {
  kvTokenStatus: 0,
  kvRegistry: 0,
  sessionsStarted: 0,
  consentsApproved: 0,
  codesCreated: 0,
  tokensIssued: 0,
  lockoutFailures: 0,
};

/** A browser-facing error: the status, HTML (never JSON), no redirect, no session cookie, no stack trace. */
async function expectHtmlError(response: Response, status: number): Promise<string> {
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(status);
  expect(response.headers.get("Content-Type"), text.slice(0, 300)).toMatch(/^text\/html/);
  expect(text).toMatch(/^<!doctype html>/i);
  expect(() => JSON.parse(text)).toThrow();
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|TypeError|RangeError|SyntaxError|internal server error/);
  expect(response.headers.get("Location")).toBeNull();
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION}=`))).toBe(false);
  return text;
}

/** A client, a user, and a login page in a browser (its CSRF cookie set). */
async function loginPage(extra: Record<string, unknown> = {}) {
  const client = await registerCodeClient(extra);
  const user = await newUser();
  const { challenge, verifier } = await pkce();
  const params = authorizeParams(client, challenge);
  const browser = new TestBrowser();
  const html = await (await browser.authorize(params)).text();
  expect(html).toContain('action="/oauth2/login"');
  return { client, user, params, browser, html, fields: hiddenFields(html), verifier };
}

/** Logged in, on the consent page. */
async function consentPage() {
  const setup = await loginPage();
  const consent = await (await setup.browser.submit(setup.html, { username: setup.user.userName, password: setup.user.password })).text();
  expect(consent).toContain('action="/oauth2/consent"');
  return { ...setup, consent, consentFields: hiddenFields(consent) };
}

function post(browser: TestBrowser | null, path: string, body: BodyInit | null, headers: Record<string, string> = FORM_TYPE): Promise<Response> {
  const init: RequestInit = { method: "POST", headers, body };
  return browser ? browser.request(path, init) : call(path, { ...init, redirect: "manual" });
}

describe("wrong methods on the browser endpoints: 405 with Allow, as an HTML page", () => {
  const cases: [string, string, string][] = [
    ["/oauth2/authorize", "PUT", "GET, POST"],
    ["/oauth2/authorize", "DELETE", "GET, POST"],
    ["/oauth2/authorize", "PATCH", "GET, POST"],
    ["/oauth2/login", "GET", "POST"],
    ["/oauth2/login", "PUT", "POST"],
    ["/oauth2/consent", "GET", "POST"],
    ["/oauth2/consent", "DELETE", "POST"],
  ];
  for (const [path, method, allow] of cases) {
    it(`${method} ${path} → 405, Allow: ${allow}`, async () => {
      const watch = watchWrites();
      const response = await call(path, { method });
      await expectHtmlError(response, 405);
      expect(response.headers.get("Allow")).toBe(allow);
      expect(watch.counts()).toEqual(NOTHING);
    });
  }

  it("the token endpoint answers GET with a JSON 405 (not a page)", async () => {
    const response = await call("/oauth2/token");
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  });
});

describe("bad bodies on the browser endpoints: an HTML page, nothing written", () => {
  for (const path of ["/oauth2/authorize", "/oauth2/login", "/oauth2/consent"]) {
    const bodies: [string, number, () => [BodyInit, Record<string, string>]][] = [
      ["no content type", 400, () => ["a=b", {}]],
      ["a JSON body", 400, () => ['{"client_id":"x"}', { "Content-Type": "application/json" }]],
      ["text/plain", 400, () => ["client_id=x", { "Content-Type": "text/plain" }]],
      ["multipart/form-data", 400, () => ["--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--", { "Content-Type": "multipart/form-data; boundary=x" }]],
      ["a body over 64 KiB", 413, () => [oversized("state"), FORM_TYPE]],
      ["a streamed body over 64 KiB (no Content-Length)", 413, () => [new Blob([oversized("state")]).stream(), FORM_TYPE]],
      ["malformed percent-encoding", 400, () => ["client_id=%zz&state=%", FORM_TYPE]],
      ["invalid UTF-8 (percent-encoded)", 400, () => ["client_id=%C3%28", FORM_TYPE]],
      ["invalid UTF-8 (raw bytes)", 400, () => [new Uint8Array([0x61, 0x3d, 0xff, 0xfe]), FORM_TYPE]],
    ];
    for (const [name, status, build] of bodies) {
      it(`POST ${path} with ${name} → ${status}`, async () => {
        const { browser } = await loginPage();
        const watch = watchWrites();
        const [body, headers] = build();
        await expectHtmlError(await post(browser, path, body, headers), status);
        expect(watch.counts()).toEqual(NOTHING);
      });
    }
  }

  it("a valid login form over 64 KiB (the right password, a huge extra field) → 413, nobody logged in", async () => {
    const { browser, fields, user } = await loginPage();
    const watch = watchWrites();
    const body = `${form({ ...fields, username: user.userName, password: user.password })}&${oversized("padding")}`;
    await expectHtmlError(await post(browser, "/oauth2/login", body), 413);
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a login form with the right password but a repeated field → 400 page, nobody logged in", async () => {
    const { browser, fields, user } = await loginPage();
    const watch = watchWrites();
    const body = `${form({ ...fields, username: user.userName, password: user.password })}&password=${encodeURIComponent(user.password)}`;
    await expectHtmlError(await post(browser, "/oauth2/login", body), 400);
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a login form with the right password but no authorization request in it → 400 page, nobody logged in", async () => {
    const { browser, fields, user } = await loginPage();
    const watch = watchWrites();
    await expectHtmlError(await post(browser, "/oauth2/login", form({ csrf_token: fields.csrf_token!, username: user.userName, password: user.password })), 400);
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a login form whose redirect_uri was changed → a page, never a redirect there; nobody logged in", async () => {
    const { browser, fields, user } = await loginPage();
    const watch = watchWrites();
    const response = await post(browser, "/oauth2/login", form({ ...fields, redirect_uri: "https://evil.example/cb", username: user.userName, password: user.password }));
    const html = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(response.headers.get("Location")).toBeNull();
    expect(html).not.toContain("evil.example");
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a login form with a bad authorization request goes back to the client with the error, logging nobody in", async () => {
    const { browser, fields, user } = await loginPage();
    const watch = watchWrites();
    const response = await post(browser, "/oauth2/login", form({ ...fields, code_challenge_method: "plain", username: user.userName, password: user.password }));
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("Location")!);
    expect(location.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION}=`))).toBe(false);
    expect(watch.counts()).toEqual(NOTHING);
  });
});

describe("very long, non-ASCII and control-character values", () => {
  it("GET /oauth2/authorize with malformed percent-encoding or invalid UTF-8 → 400 page", async () => {
    const client = await registerCodeClient();
    const watch = watchWrites();
    for (const q of [`client_id=${client.id}&state=%zz`, `client_id=%E0%A4`, `client_id=${client.id}&redirect_uri=%C3%28`, "%"]) {
      await expectHtmlError(await call(`/oauth2/authorize?${q}`, { redirect: "manual" }), 400);
    }
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a client_id over 4096 characters or non-ASCII → a page, no 500", async () => {
    const watch = watchWrites();
    for (const clientId of ["c".repeat(5000), "clïent-ïd", "id\u0000", "x".repeat(300)]) {
      const response = await call(`/oauth2/authorize?${new URLSearchParams({ response_type: "code", client_id: clientId })}`, { redirect: "manual" });
      const html = await response.text();
      expect(response.status, html.slice(0, 200)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(response.headers.get("Location")).toBeNull();
    }
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a very long query (a 60 KB state) → invalid_request, never a 500", async () => {
    const { params } = await loginPage();
    const watch = watchWrites();
    const response = await call(`/oauth2/authorize?${new URLSearchParams({ ...params, state: "s".repeat(60_000) })}`, { redirect: "manual" });
    expect(response.status).not.toBe(500);
    if (response.status === 302) expect(new URL(response.headers.get("Location")!).searchParams.get("error")).toBe("invalid_request");
    else await expectHtmlError(response, response.status);
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a non-ASCII state comes back exactly, through login and consent", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const state = "état-✓-日本";
    const { redirect } = await authorizeCode(new TestBrowser(), user, client, { state });
    expect(redirect.searchParams.get("state")).toBe(state);
  });

  it("a state with control characters (CR LF, NUL) never reaches a header raw: no header injection, no 500", async () => {
    const { client } = await loginPage();
    const { challenge } = await pkce();
    const state = "a\r\nSet-Cookie: evil=1\u0000b";
    const browser = new TestBrowser();
    const response = await browser.authorize({ ...authorizeParams(client, challenge), state, response_type: "token" });
    expect(response.status).toBe(302);
    const location = response.headers.get("Location")!;
    expect(location).not.toMatch(/[\r\n\u0000]/);
    expect(response.headers.getSetCookie().some((line) => line.startsWith("evil="))).toBe(false);
    const echoed = new URL(location).searchParams.get("state");
    // Either echoed exactly (percent-encoded) or refused; never altered.
    if (echoed !== null) expect(echoed).toBe(state);
  });

  const usernames: [string, string][] = [
    ["a NUL", "ad\u0000min"],
    ["a newline", "admin\n"],
    ["a carriage return and line feed", "admin\r\nX-Injected: 1"],
    ["a DEL", "ad\u007fmin"],
    ["a C1 control character", "ad\u0085min"],
  ];
  for (const [name, username] of usernames) {
    it(`a username with ${name} → the generic failure, not counted, no 500`, async () => {
      const { browser, html } = await loginPage();
      const watch = watchWrites();
      const response = await browser.submit(html, { username, password: "admin" });
      const page = await response.text();
      expect(response.status).toBe(400);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(page).toContain("The username or password is incorrect.");
      expect(page).not.toContain("X-Injected: 1\n");
      expect(response.headers.get("X-Injected")).toBeNull();
      expect(watch.counts()).toEqual(NOTHING);
    });
  }

  it("a username of 2000 characters or non-ASCII → the generic failure, no 500", async () => {
    const { browser, html } = await loginPage();
    for (const username of ["u".repeat(2000), "ünïcödé-用户", "😀".repeat(300)]) {
      const response = await browser.submit(html, { username, password: "whatever" });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("The username or password is incorrect.");
    }
  });

  it("a username or password over 4096 characters → 400 page, nothing written", async () => {
    const { browser, html, user } = await loginPage();
    const watch = watchWrites();
    await expectHtmlError(await browser.submit(html, { username: user.userName, password: "p".repeat(5000) }), 400);
    await expectHtmlError(await browser.submit(html, { username: "u".repeat(5000), password: user.password }), 400);
    expect(watch.counts()).toEqual(NOTHING);
  });

  it("a user with a non-ASCII password logs in on the page", async () => {
    const userName = uniqueName("ünï");
    const password = "pässwörd ✓ 密码";
    await createUser(userName, password);
    const client = await registerCodeClient({ skip_consent: true });
    const { redirect } = await authorizeCode(new TestBrowser(), { userName, password }, client);
    expect(redirect.searchParams.get("code")).toBeTruthy();
  });
});

describe("bad consent posts: an HTML page, nothing approved, no code", () => {
  const decisions: [string, (fields: Record<string, string>) => string][] = [
    ["no consent field", (f) => form(f)],
    ["consent=maybe", (f) => form({ ...f, consent: "maybe" })],
    ["consent=Approve (case matters)", (f) => form({ ...f, consent: "Approve" })],
    ["an empty consent", (f) => form({ ...f, consent: "" })],
    ["consent repeated (approve and deny)", (f) => `${form({ ...f, consent: "approve" })}&consent=deny`],
    ["consent repeated (approve twice)", (f) => `${form({ ...f, consent: "approve" })}&consent=approve`],
  ];
  for (const [name, build] of decisions) {
    it(`${name} → 400 page`, async () => {
      const { browser, consentFields } = await consentPage();
      const watch = watchWrites();
      await expectHtmlError(await post(browser, "/oauth2/consent", build(consentFields)), 400);
      expect(watch.counts()).toEqual(NOTHING);
    });
  }

  it("a consent form whose redirect_uri or client_id was changed → a page, never redirected", async () => {
    const { browser, consentFields } = await consentPage();
    const other = await registerCodeClient({ redirect_uris: ["https://other.example/cb"] });
    const watch = watchWrites();
    const changes: Record<string, string>[] = [{ redirect_uri: "https://evil.example/cb" }, { client_id: "no-such-client" }, { client_id: other.id }];
    for (const change of changes) {
      const response = await post(browser, "/oauth2/consent", form({ ...consentFields, ...change, consent: "approve" }));
      const html = await response.text();
      expect(response.status, JSON.stringify(change)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get("Location"), JSON.stringify(change)).toBeNull();
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(html).not.toContain("evil.example");
    }
    expect(watch.counts()).toEqual(NOTHING);
  });
});

describe("the authorization_code token request (RFC 6749 §4.1.3, RFC 7636 §4.5): JSON errors, the code unspent", () => {
  async function withCode() {
    const client = await registerCodeClient();
    const user = await newUser();
    const { code, verifier } = await authorizeCode(new TestBrowser(), user, client);
    return { client, code, verifier };
  }

  function tokenBody(client: CodeClient, body: string): Promise<Response> {
    return call("/oauth2/token", { method: "POST", headers: FORM_TYPE, body: `client_id=${encodeURIComponent(client.id)}&${body}` });
  }

  async function expectJsonError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body.error, text).toBe(error);
    expect(body).not.toHaveProperty("access_token");
    return body;
  }

  const cases: [string, string, (code: string, verifier: string) => string][] = [
    ["a missing code", "invalid_request", (_c, v) => form({ grant_type: "authorization_code", code_verifier: v, redirect_uri: REDIRECT_URI })],
    ["an empty code", "invalid_request", (_c, v) => form({ grant_type: "authorization_code", code: "", code_verifier: v, redirect_uri: REDIRECT_URI })],
    ["a missing code_verifier", "invalid_request", (c) => form({ grant_type: "authorization_code", code: c, redirect_uri: REDIRECT_URI })],
    ["an empty code_verifier", "invalid_request", (c) => form({ grant_type: "authorization_code", code: c, code_verifier: "", redirect_uri: REDIRECT_URI })],
    ["a verifier of 42 characters", "invalid_request", (c, v) => form({ grant_type: "authorization_code", code: c, code_verifier: v.slice(0, 42), redirect_uri: REDIRECT_URI })],
    ["a verifier of 129 characters", "invalid_request", (c) => form({ grant_type: "authorization_code", code: c, code_verifier: "a".repeat(129), redirect_uri: REDIRECT_URI })],
    ["a verifier with a space", "invalid_request", (c, v) => form({ grant_type: "authorization_code", code: c, code_verifier: `${v.slice(0, 20)} ${v.slice(21)}`, redirect_uri: REDIRECT_URI })],
    ["a verifier with '+' and '='", "invalid_request", (c) => form({ grant_type: "authorization_code", code: c, code_verifier: `${"a".repeat(41)}+=`, redirect_uri: REDIRECT_URI })],
    ["a non-ASCII verifier", "invalid_request", (c) => form({ grant_type: "authorization_code", code: c, code_verifier: "é".repeat(43), redirect_uri: REDIRECT_URI })],
    ["a verifier with a control character", "invalid_request", (c, v) => form({ grant_type: "authorization_code", code: c, code_verifier: `${v}\u0000`, redirect_uri: REDIRECT_URI })],
    ["a repeated code", "invalid_request", (c, v) => `${form({ grant_type: "authorization_code", code: c, code_verifier: v, redirect_uri: REDIRECT_URI })}&code=${c}`],
    ["a repeated code_verifier", "invalid_request", (c, v) => `${form({ grant_type: "authorization_code", code: c, code_verifier: v, redirect_uri: REDIRECT_URI })}&code_verifier=${v}`],
    ["a repeated redirect_uri", "invalid_request", (c, v) => `${form({ grant_type: "authorization_code", code: c, code_verifier: v, redirect_uri: REDIRECT_URI })}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`],
    ["a code over 4096 characters", "invalid_request", (_c, v) => form({ grant_type: "authorization_code", code: "c".repeat(5000), code_verifier: v, redirect_uri: REDIRECT_URI })],
    ["malformed percent-encoding", "invalid_request", (c, v) => `grant_type=authorization_code&code=${c}&code_verifier=${v}&redirect_uri=%zz`],
    ["a non-ASCII code", "invalid_grant", (_c, v) => form({ grant_type: "authorization_code", code: "cödé", code_verifier: v, redirect_uri: REDIRECT_URI })],
    ["a made-up code", "invalid_grant", (_c, v) => form({ grant_type: "authorization_code", code: "A".repeat(60), code_verifier: v, redirect_uri: REDIRECT_URI })],
    ["the code with a character changed", "invalid_grant", (c, v) => form({ grant_type: "authorization_code", code: `${c.slice(0, -1)}${c.endsWith("A") ? "B" : "A"}`, code_verifier: v, redirect_uri: REDIRECT_URI })],
    ["a well-formed but wrong verifier", "invalid_grant", (c) => form({ grant_type: "authorization_code", code: c, code_verifier: "w".repeat(43), redirect_uri: REDIRECT_URI })],
    ["another redirect_uri", "invalid_grant", (c, v) => form({ grant_type: "authorization_code", code: c, code_verifier: v, redirect_uri: "https://app.example/other" })],
  ];

  it("every malformed or wrong request fails with its error, writes nothing, and the code still redeems afterwards", async () => {
    const { client, code, verifier } = await withCode();
    const watch = watchWrites();
    const answers: Record<string, unknown> = {};
    for (const [name, , build] of cases) {
      const response = await tokenBody(client, build(code, verifier));
      answers[name] = `${response.status} ${(await response.json<Record<string, unknown>>()).error}`;
    }
    expect(answers).toEqual(Object.fromEntries(cases.map(([name, error]) => [name, `400 ${error}`])));
    expect(watch.counts()).toEqual(NOTHING);
    const redeemed = await exchangeCode(client, code, verifier);
    expect(redeemed.status, await redeemed.clone().text()).toBe(200);
  });

  for (const [name, error, build] of cases) {
    it(`${name} → 400 ${error}, JSON, no-store`, async () => {
      const { client, code, verifier } = await withCode();
      await expectJsonError(await tokenBody(client, build(code, verifier)), 400, error);
    });
  }

  it("a form body is required: JSON, no content type or over 64 KiB are invalid_request, the code unspent", async () => {
    const { client, code, verifier } = await withCode();
    const watch = watchWrites();
    const json = JSON.stringify({ grant_type: "authorization_code", client_id: client.id, code, code_verifier: verifier, redirect_uri: REDIRECT_URI });
    await expectJsonError(await call("/oauth2/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: json }), 400, "invalid_request");
    await expectJsonError(await call("/oauth2/token", { method: "POST", body: form({ grant_type: "authorization_code", client_id: client.id, code, code_verifier: verifier }) }), 400, "invalid_request");
    const big = `${form({ grant_type: "authorization_code", client_id: client.id, code, code_verifier: verifier, redirect_uri: REDIRECT_URI })}&${oversized("x")}`;
    await expectJsonError(await call("/oauth2/token", { method: "POST", headers: FORM_TYPE, body: big }), 413, "invalid_request");
    expect(watch.counts()).toEqual(NOTHING);
    expect((await exchangeCode(client, code, verifier)).status).toBe(200);
  });

  it("error_description uses only the characters RFC 6749 §5.2 allows (no double quote, no backslash)", async () => {
    const { client, code, verifier } = await withCode();
    const offending: string[] = [];
    for (const [, , build] of cases) {
      const body = await (await tokenBody(client, build(code, verifier))).json<{ error_description?: string }>();
      if (body.error_description !== undefined && !/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(body.error_description)) offending.push(body.error_description);
    }
    expect([...new Set(offending)]).toEqual([]);
  });
});

describe("a failed browser request starts no session and leaves the flow usable", () => {
  it("after a run of bad posts, the same login page still signs the user in", async () => {
    const { browser, html, fields, user } = await loginPage({ skip_consent: true });
    const watch = watchWrites();
    await post(browser, "/oauth2/login", "%zz", FORM_TYPE);
    await post(browser, "/oauth2/login", oversized("x"), FORM_TYPE);
    await post(browser, "/oauth2/login", JSON.stringify(fields), { "Content-Type": "application/json" });
    await post(browser, "/oauth2/consent", form({ ...fields, consent: "approve" }));
    expect(watch.counts()).toEqual(NOTHING);
    const response = await browser.submit(html, { username: user.userName, password: user.password });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get("Location")!).searchParams.get("code")).toBeTruthy();
  });
});

describe("the write watcher itself (a control: it does see writes)", () => {
  it("a successful login, consent and redemption show up in every count they touch", async () => {
    const { browser, html, user, client, verifier } = await loginPage();
    const watch = watchWrites();
    const consent = await browser.submit(html, { username: user.userName, password: user.password });
    const redirect = await browser.submit(consent, { consent: "approve" });
    const code = new URL(redirect.headers.get("Location")!).searchParams.get("code")!;
    const failed = await browser.submit(await browser.authorize({ ...authorizeParams(client, "x".repeat(43)), prompt: "login" }), { username: user.userName, password: "wrong" });
    expect(failed.status).toBe(400);
    expect((await exchangeCode(client, code, verifier)).status).toBe(200);
    const counts = watch.counts();
    expect(counts.sessionsStarted).toBe(1);
    expect(counts.consentsApproved).toBe(1);
    expect(counts.codesCreated).toBe(1);
    expect(counts.lockoutFailures).toBe(1);
    expect(counts.kvTokenStatus).toBeGreaterThan(0);
  });
});
