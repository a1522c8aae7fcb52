import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionObject } from "../src/browser/session-object";
import { authorizeParams, exchangeCode, hiddenFields, newUser, pkce, redirectedTo, registerCodeClient, TestBrowser, type CodeClient } from "./helpers/browser";
import { useTestClock } from "./helpers/clock";
import { call, form, FORM_TYPE } from "./helpers/http";
import { bindings, isActive, registerClient, tokenRequest, userParams } from "./helpers/oauth";
import { base64url } from "./helpers/reference";

/**
 * The login page (SPEC §10): fields and labels, the request carried in hidden fields, strict
 * headers (CSP, no framing, no caching), CSRF, one generic failure message, the account lockout
 * shared with the password grant, and the session cookie.
 */
useTestClock();

const SESSION = "__Host-session";
const CSRF = "__Host-csrf";
const GENERIC = "The username or password is incorrect.";

async function start(extra: Record<string, unknown> = {}, params: Record<string, string> = {}) {
  const client = await registerCodeClient(extra);
  const { challenge, verifier } = await pkce();
  const request = authorizeParams(client, challenge, params);
  const browser = new TestBrowser();
  const page = await browser.authorize(request);
  const html = await page.text();
  return { client, challenge, verifier, request, browser, page, html };
}

function setCookies(response: Response): string[] {
  return response.headers.getSetCookie();
}

function cookieLine(response: Response, name: string): string | undefined {
  return setCookies(response).find((line) => line.startsWith(`${name}=`));
}

/** The text of the page's role="alert" region. */
function alertText(html: string): string | null {
  const match = /<div[^>]*role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  return match ? match[1]!.trim() : null;
}

function isLoginPage(html: string): boolean {
  return html.includes('action="/oauth2/login"') && html.includes('name="password"');
}

async function expectForbiddenPage(response: Response): Promise<string> {
  const html = await response.text();
  expect(response.status, html.slice(0, 300)).toBe(403);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  expect(response.headers.get("Location")).toBeNull();
  expect(cookieLine(response, SESSION)).toBeUndefined();
  expect(html).toMatch(/^<!doctype html>/i);
  return html;
}

/** Whether the browser has a session: prompt=none answers a code/consent_required, not login_required. */
async function hasSession(browser: TestBrowser, request: Record<string, string>): Promise<boolean> {
  const response = await browser.authorize({ ...request, prompt: "none" });
  return redirectedTo(response).searchParams.get("error") !== "login_required";
}

describe("the login page's form (SPEC §10)", () => {
  it("has username and password fields with labels, posting to /oauth2/login", async () => {
    const { page, html } = await start();
    expect(page.status).toBe(200);
    expect(html).toMatch(/<form method="post" action="\/oauth2\/login">/);
    expect(html).toMatch(/<label for="username">[^<]+<\/label>/);
    expect(html).toMatch(/<label for="password">[^<]+<\/label>/);
    expect(html).toMatch(/<input[^>]*type="text"[^>]*id="username"[^>]*name="username"/);
    expect(html).toMatch(/<input[^>]*type="password"[^>]*id="password"[^>]*name="password"/);
    expect(html).toMatch(/<button type="submit"/);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('role="alert"');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/ style="/i);
    expect(html).not.toMatch(/ on[a-z]+="/i);
  });

  it("names the client, escaped", async () => {
    const { html } = await start({ client_name: '<b>Photo</b> "Album"' });
    expect(html).toContain("&lt;b&gt;Photo&lt;/b&gt;");
    expect(html).not.toContain("<b>Photo</b>");
  });

  it("carries the authorization request in hidden fields, and nothing the request did not send", async () => {
    const { html, request } = await start({}, { nonce: "n-1", login_hint: "someone", max_age: "600" });
    const hidden = hiddenFields(html);
    expect(hidden.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { csrf_token: _, ...carried } = hidden;
    expect(carried).toEqual(request);
    expect(hidden).not.toHaveProperty("password");
  });

  it("escapes hidden values: a state with markup stays a value", async () => {
    const state = `"><script>alert(1)</script><input name="x`;
    const { html } = await start({}, { state });
    expect(html).not.toContain("<script>");
    expect(hiddenFields(html).state).toBe(state);
  });

  it("pre-fills the username from login_hint and puts the focus on the password", async () => {
    const { html } = await start({}, { login_hint: "alice@example.com" });
    expect(html).toMatch(/<input[^>]*name="username"[^>]*value="alice@example.com"/);
    expect(html).toMatch(/<input[^>]*name="password"[^>]*autofocus/);
    expect(html).not.toMatch(/<input[^>]*name="username"[^>]*autofocus/);
  });

  it("without login_hint the username is empty and has the focus", async () => {
    const { html } = await start();
    expect(html).toMatch(/<input[^>]*name="username"[^>]*value=""[^>]*autofocus/);
  });

  it("escapes a login_hint with markup", async () => {
    const { html } = await start({}, { login_hint: '"><script>x</script>' });
    expect(html).not.toContain("<script>");
  });
});

describe("the login page's headers (clickjacking, CSP, caching)", () => {
  it("a strict CSP: default-src 'none', frame-ancestors 'none', form-action with the redirect URI's origin", async () => {
    const { page } = await start();
    const csp = page.headers.get("Content-Security-Policy")!;
    const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("form-action")).toContain("'self'");
    expect(directives.get("form-action")).toContain("https://app.example");
    expect(directives.has("script-src")).toBe(false); // no script at all: default-src 'none' applies
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("*");
  });

  it("form-action names a loopback redirect's origin with its port, and a private-use scheme", async () => {
    const loopback = await start({ redirect_uris: ["http://127.0.0.1/cb"] }, { redirect_uri: "http://127.0.0.1:53210/cb" });
    expect(loopback.page.status).toBe(200);
    expect(loopback.page.headers.get("Content-Security-Policy")).toMatch(/form-action [^;]*http:\/\/127\.0\.0\.1:53210/);
    const native = await start({ redirect_uris: ["com.example.app:/cb"] });
    expect(native.page.headers.get("Content-Security-Policy")).toMatch(/form-action [^;]*com\.example\.app:/);
  });

  it("X-Frame-Options DENY, Cache-Control no-store, text/html", async () => {
    const { page } = await start();
    expect(page.headers.get("X-Frame-Options")).toBe("DENY");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html; charset=utf-8/i);
    expect(page.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("the page after a failed login has the same headers", async () => {
    const { browser, html } = await start();
    const failed = await browser.submit(html, { username: "nobody-here", password: "wrong" });
    expect(failed.headers.get("X-Frame-Options")).toBe("DENY");
    expect(failed.headers.get("Cache-Control")).toBe("no-store");
    expect(failed.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(failed.headers.get("Content-Security-Policy")).toMatch(/form-action [^;]*https:\/\/app\.example/);
  });

  it("the stylesheet /assets/signin.css is served as text/css, and the page links it", async () => {
    const { html } = await start();
    expect(html).toContain('<link rel="stylesheet" href="/assets/signin.css"/>');
    const css = await call("/assets/signin.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(css.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect((await css.text()).length).toBeGreaterThan(100);
  });
});

describe("CSRF protection of the login form (double submit)", () => {
  it("the page sets a __Host- CSRF cookie: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain", async () => {
    const client = await registerCodeClient();
    const { challenge } = await pkce();
    const page = await new TestBrowser().authorize(authorizeParams(client, challenge));
    const line = cookieLine(page, CSRF)!;
    expect(line).toBeDefined();
    expect(line).toMatch(/; Secure/i);
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Strict/i);
    expect(line).toMatch(/; Path=\/(;|$)/);
    expect(line).not.toMatch(/Domain=/i);
    expect(line.split(";")[0]).toBe(`${CSRF}=${hiddenFields(await page.text()).csrf_token}`);
  });

  it("a post without the cookie is a 403 page and logs nobody in, even with the right password", async () => {
    const user = await newUser();
    const { browser, html, request } = await start();
    browser.cookies.delete(CSRF);
    await expectForbiddenPage(await browser.submit(html, { username: user.userName, password: user.password }));
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(await hasSession(browser, request)).toBe(false);
  });

  it("a post without the field is a 403 page and logs nobody in", async () => {
    const user = await newUser();
    const { browser, html, request } = await start();
    const { csrf_token: _, ...fields } = hiddenFields(html);
    const response = await browser.request("/oauth2/login", {
      method: "POST",
      headers: FORM_TYPE,
      body: form({ ...fields, username: user.userName, password: user.password }),
    });
    await expectForbiddenPage(response);
    expect(await hasSession(browser, request)).toBe(false);
  });

  for (const [name, token] of [
    ["another valid-looking token", "A".repeat(43)],
    ["an empty token", ""],
    ["a prefix of the token", null],
  ] as const) {
    it(`a post with a mismatched field (${name}) is a 403 page and logs nobody in`, async () => {
      const user = await newUser();
      const { browser, html, request } = await start();
      const real = hiddenFields(html).csrf_token!;
      const response = await browser.submit(html, { username: user.userName, password: user.password, csrf_token: token ?? real.slice(0, 42) });
      await expectForbiddenPage(response);
      expect(await hasSession(browser, request)).toBe(false);
    });
  }

  it("a token from another browser's page does not work with this browser's cookie", async () => {
    const user = await newUser();
    const mine = await start();
    const theirs = await start();
    const response = await mine.browser.submit(mine.html, { username: user.userName, password: user.password, csrf_token: hiddenFields(theirs.html).csrf_token! });
    await expectForbiddenPage(response);
  });

  it("a CSRF failure does not count towards the lockout", async () => {
    const user = await newUser();
    const { browser, html } = await start();
    browser.cookies.delete(CSRF);
    for (let i = 0; i < 6; i++) await browser.submit(html, { username: user.userName, password: "wrong" });
    const fresh = await start();
    const response = await fresh.browser.submit(fresh.html, { username: user.userName, password: user.password });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('name="consent"');
  });

  it("the consent form is protected the same way", async () => {
    const user = await newUser();
    const { browser, html, client, request } = await start();
    const consent = await (await browser.submit(html, { username: user.userName, password: user.password })).text();
    expect(consent).toContain('name="consent"');
    const forged = await browser.submit(consent, { consent: "approve", csrf_token: "B".repeat(43) });
    const forbidden = await expectForbiddenPage(forged);
    expect(forbidden).not.toContain("code=");
    // Nothing was approved: prompt=none still needs consent.
    expect(redirectedTo(await browser.authorize({ ...request, prompt: "none" })).searchParams.get("error")).toBe("consent_required");
    expect(client.id).toBeTruthy();
  });
});

describe("a failed login (SPEC §10: one generic message, announced)", () => {
  it("a wrong password and an unknown user get the same message in role=alert, and the same page", async () => {
    const user = await newUser();
    const first = await start();
    const wrongPassword = await first.browser.submit(first.html, { username: user.userName, password: "not the password" });
    const second = await start();
    const unknownUser = await second.browser.submit(second.html, { username: `${user.userName}-nobody`, password: "not the password" });
    expect(wrongPassword.status).toBe(unknownUser.status);
    expect([200, 400]).toContain(wrongPassword.status);
    const [a, b] = [await wrongPassword.text(), await unknownUser.text()];
    expect(alertText(a)).toBe(GENERIC);
    expect(alertText(b)).toBe(GENERIC);
    expect(isLoginPage(a)).toBe(true);
    expect(cookieLine(wrongPassword, SESSION)).toBeUndefined();
    // The pages differ only in what the user typed and the client's own values.
    const normalise = (html: string, c: CodeClient, name: string, challenge: string) =>
      html.replaceAll(c.id, "CLIENT").replaceAll(name, "USER").replaceAll(challenge, "CHALLENGE").replace(/name="csrf_token" value="[^"]+"/, "");
    expect(normalise(a, first.client, user.userName, first.challenge)).toBe(normalise(b, second.client, `${user.userName}-nobody`, second.challenge));
  });

  it("the message names no reason (not 'locked', not 'unknown user'), and the password is not echoed", async () => {
    const user = await newUser();
    const { browser, html } = await start();
    const failed = await (await browser.submit(html, { username: user.userName, password: "Sup3r-secret-typo" })).text();
    expect(failed).not.toContain("Sup3r-secret-typo");
    expect(failed).not.toMatch(/locked|does not exist|unknown user|no such user/i);
    expect(failed).toMatch(new RegExp(`name="username"[^>]*value="${user.userName}"`));
    expect(failed).toMatch(/aria-describedby="login-error"/);
  });

  it("the page after a failure still carries the request: the right password then continues", async () => {
    const user = await newUser();
    const { browser, html, request } = await start();
    const failed = await (await browser.submit(html, { username: user.userName, password: "wrong" })).text();
    const { csrf_token: _, ...carried } = hiddenFields(failed);
    expect(carried).toEqual(request);
    const consent = await browser.submit(failed, { username: user.userName, password: user.password });
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('name="consent"');
  });

  it("an empty username or password is refused without logging in", async () => {
    const user = await newUser();
    const { browser, html, request } = await start();
    for (const fields of [{ username: user.userName, password: "" }, { username: "", password: user.password }]) {
      const response = await browser.submit(html, fields);
      expect(response.status).toBe(400);
      expect(alertText(await response.text())).toBeTruthy();
      expect(cookieLine(response, SESSION)).toBeUndefined();
    }
    expect(await hasSession(browser, request)).toBe(false);
  });
});

describe("the login page and the password grant share the account lockout (SPEC §3, §10)", () => {
  async function pageAttempt(userName: string, password: string) {
    const { browser, html } = await start();
    const response = await browser.submit(html, { username: userName, password });
    return { response, loggedIn: cookieLine(response, SESSION) !== undefined };
  }

  it("3 page failures + 2 password-grant failures lock the account; then the right password fails on the page and at the token endpoint", async () => {
    const user = await newUser();
    const grantClient = await registerClient(["password"]);
    for (let i = 0; i < 3; i++) {
      const { response, loggedIn } = await pageAttempt(user.userName, `wrong-${i}`);
      expect(loggedIn).toBe(false);
      expect(alertText(await response.text())).toBe(GENERIC);
    }
    for (let i = 0; i < 2; i++) {
      const failed = await tokenRequest(grantClient, userParams(user.userName, "wrong"));
      expect((await failed.json<Record<string, unknown>>()).error).toBe("invalid_grant");
    }
    const onPage = await pageAttempt(user.userName, user.password);
    expect(onPage.loggedIn).toBe(false);
    expect(alertText(await onPage.response.text())).toBe(GENERIC);
    const atToken = await tokenRequest(grantClient, userParams(user.userName, user.password));
    expect(atToken.status).toBe(400);
    expect((await atToken.json<Record<string, unknown>>()).error).toBe("invalid_grant");
  });

  it("password-grant failures first, then page failures, lock it too", async () => {
    const user = await newUser();
    const grantClient = await registerClient(["password"]);
    for (let i = 0; i < 4; i++) await tokenRequest(grantClient, userParams(user.userName, "wrong"));
    expect((await pageAttempt(user.userName, "wrong")).loggedIn).toBe(false);
    expect((await pageAttempt(user.userName, user.password)).loggedIn).toBe(false);
    expect((await tokenRequest(grantClient, userParams(user.userName, user.password))).status).toBe(400);
  });

  it("takes ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS into account on the page", async () => {
    const user = await newUser();
    const vars = { ACCOUNT_LOCK_MAX_FAILED_ATTEMPTS: "2" };
    const client = await registerCodeClient();
    const { challenge } = await pkce();
    for (let i = 0; i < 2; i++) {
      const browser = new TestBrowser(vars);
      await browser.submit(await browser.authorize(authorizeParams(client, challenge)), { username: user.userName, password: "wrong" });
    }
    const browser = new TestBrowser(vars);
    const response = await browser.submit(await browser.authorize(authorizeParams(client, challenge)), { username: user.userName, password: user.password });
    expect(cookieLine(response, SESSION)).toBeUndefined();
    expect(alertText(await response.text())).toBe(GENERIC);
  });

  it("4 failures do not lock; a successful page login resets the count like a successful grant", async () => {
    const user = await newUser();
    const grantClient = await registerClient(["password"]);
    for (let i = 0; i < 4; i++) await pageAttempt(user.userName, "wrong");
    expect((await pageAttempt(user.userName, user.password)).loggedIn).toBe(true);
    for (let i = 0; i < 4; i++) await tokenRequest(grantClient, userParams(user.userName, "wrong"));
    expect((await pageAttempt(user.userName, user.password)).loggedIn).toBe(true);
    expect((await tokenRequest(grantClient, userParams(user.userName, user.password))).status).toBe(200);
  });
});

describe("a successful login starts a browser session (SPEC §10)", () => {
  it("sets __Host-session: HttpOnly, Secure, SameSite=Lax, Path=/, no Domain; an opaque value", async () => {
    const user = await newUser();
    const { browser, html } = await start();
    const response = await browser.submit(html, { username: user.userName, password: user.password });
    expect(response.status).toBe(200);
    const line = cookieLine(response, SESSION)!;
    expect(line).toBeDefined();
    const attributes = line.split(";").slice(1).map((a) => a.trim().toLowerCase());
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("secure");
    expect(attributes).toContain("samesite=lax");
    expect(attributes).toContain("path=/");
    expect(attributes.some((a) => a.startsWith("domain"))).toBe(false);
    const value = line.split(";")[0]!.slice(SESSION.length + 1);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(value).not.toContain(user.userName);
    expect(atob(value.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (value.length % 4)) % 4))).not.toContain(user.userName);
  });

  it("keeps the session id hashed at rest: its storage does not hold the cookie's secret", async () => {
    const user = await newUser();
    const { browser, html } = await start();
    await browser.submit(html, { username: user.userName, password: user.password });
    const value = browser.cookies.get(SESSION)!;
    const bytes = Uint8Array.from(atob(value.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (value.length % 4)) % 4)), (c) => c.charCodeAt(0));
    expect(bytes.length).toBe(64);
    const hex = Array.from(bytes.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join("");
    const secret = base64url(bytes.subarray(32));
    const stored = await runInDurableObject(bindings.SESSIONS.get(bindings.SESSIONS.idFromString(hex)), (_o: SessionObject, state) =>
      JSON.stringify(state.storage.sql.exec("SELECT * FROM session").toArray()),
    );
    expect(stored).toContain(user.userName);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(value);
  });

  it("a second authorization from the same browser needs no password (SSO)", async () => {
    const user = await newUser();
    const { browser, html, request, client, verifier } = await start({ skip_consent: true });
    const first = redirectedTo(await browser.submit(html, { username: user.userName, password: user.password }));
    expect((await exchangeCode(client, first.searchParams.get("code")!, verifier)).status).toBe(200);
    const again = await browser.authorize(request);
    expect(again.status).toBe(302);
    expect(redirectedTo(again).searchParams.get("code")).toBeTruthy();
  });

  it("signing in again (prompt=login) as the same user keeps the tokens issued through the earlier login", async () => {
    const user = await newUser();
    const { browser, html, request, client, verifier } = await start({ skip_consent: true });
    const first = redirectedTo(await browser.submit(html, { username: user.userName, password: user.password }));
    const issued = await (await exchangeCode(client, first.searchParams.get("code")!, verifier)).json<{ access_token: string }>();
    expect(await isActive(issued.access_token)).toBe(true);
    // Another scope, so the new authorization is another key and renewal per request plays no part.
    const { challenge: challenge2 } = await pkce();
    const page = await browser.authorize({ ...request, code_challenge: challenge2, scope: "albums", prompt: "login" });
    expect(isLoginPage(await page.clone().text())).toBe(true);
    const second = await browser.submit(page, { username: user.userName, password: user.password });
    expect(redirectedTo(second).searchParams.get("code")).toBeTruthy();
    expect(await isActive(issued.access_token)).toBe(true);
  });

  it("a login that fails sets no session cookie and does not end the browser's session", async () => {
    const user = await newUser();
    const { browser, html, request } = await start({ skip_consent: true });
    await browser.submit(html, { username: user.userName, password: user.password });
    const page = await browser.authorize({ ...request, prompt: "login" });
    const failed = await browser.submit(page, { username: user.userName, password: "wrong" });
    expect(cookieLine(failed, SESSION)).toBeUndefined();
    expect(await hasSession(browser, request)).toBe(true);
  });

  it("posting the login form of a request whose client was deleted shows an error page, logs nobody in", async () => {
    const user = await newUser();
    const { browser, html, client } = await start();
    await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}`, { method: "DELETE", headers: { Authorization: `Basic ${btoa("admin:admin")}`, "Content-Type": "application/json" } });
    const response = await browser.submit(html, { username: user.userName, password: user.password });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get("Location")).toBeNull();
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(cookieLine(response, SESSION)).toBeUndefined();
  });
});
