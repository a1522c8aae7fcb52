import { describe, expect, it } from "vitest";
import {
  authorizeCode,
  authorizeParams,
  codeOf,
  exchangeCode,
  hiddenFields,
  logIn,
  newUser,
  pageOf,
  pkce,
  redirectedTo,
  registerCodeClient,
  TestBrowser,
  type CodeClient,
} from "./helpers/browser";
import { useTestClock } from "./helpers/clock";
import { FORM_TYPE, form } from "./helpers/http";
import { createUser, scim, type TokenBody } from "./helpers/oauth";

/**
 * SPEC §10 consent page: it names the client and lists the scopes, posts consent=approve|deny
 * (WSO2), Deny is access_denied back to the client (RFC 6749 §4.1.2.1), and an approval is
 * remembered per (user, client) for the approved scopes; `prompt=consent` asks again, and a
 * client registered with skip_consent never asks.
 */
useTestClock();

const SESSION = "__Host-session";

type User = Awaited<ReturnType<typeof newUser>>;

/** A signed-in browser of `user` that has not yet answered any consent page. */
async function loggedIn(client: CodeClient, user: User, extra: Record<string, string> = {}) {
  const browser = new TestBrowser();
  const { verifier, challenge } = await pkce();
  const login = await browser.authorize(authorizeParams(client, challenge, extra));
  const page = await logIn(browser, login, user);
  return { browser, page, verifier };
}

/** What the browser sees first for an authorization request. */
async function firstPage(browser: TestBrowser, client: CodeClient, extra: Record<string, string> = {}) {
  const { verifier, challenge } = await pkce();
  const response = await browser.authorize(authorizeParams(client, challenge, extra));
  return { response, page: await pageOf(response), verifier };
}

/** A browser of a new user that approved `scope` for `client` once. */
async function approved(client: CodeClient, scope = "photos") {
  const user = await newUser();
  const browser = new TestBrowser();
  await authorizeCode(browser, user, client, { scope });
  return { user, browser };
}

describe("the consent page", () => {
  it("follows the login, names the client and lists every requested scope, with Allow and Deny", async () => {
    const client = await registerCodeClient({ client_name: "Photo Album" });
    const user = await newUser();
    const { page } = await loggedIn(client, user, { scope: "photos albums" });
    expect(page.status).toBe(200);
    expect(await pageOf(page)).toBe("consent");
    const html = await page.text();
    expect(html).toContain("Photo Album");
    expect(html).toContain(user.userName);
    expect(html).toMatch(/<span class="name">albums<\/span>/);
    expect(html).toMatch(/<span class="name">photos<\/span>/);
    expect(html).toContain('name="consent" value="approve"');
    expect(html).toContain('name="consent" value="deny"');
  });

  it("is a page that cannot be framed, with a strict CSP, and is not cached", async () => {
    const client = await registerCodeClient();
    const { page } = await loggedIn(client, await newUser());
    expect(page.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(page.headers.get("X-Frame-Options")).toBe("DENY");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
  });

  it("escapes the client's name (no markup injection)", async () => {
    const client = await registerCodeClient({ client_name: '<img src=x onerror="alert(1)">Evil & Co' });
    const { page } = await loggedIn(client, await newUser());
    const html = await page.text();
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x");
  });

  it("Allow → a code back at the redirect URI, with state and iss", async () => {
    const client = await registerCodeClient();
    const { browser, page, verifier } = await loggedIn(client, await newUser());
    const allowed = await browser.submit(page, { consent: "approve" });
    expect(allowed.status).toBe(303);
    const url = redirectedTo(allowed);
    expect(url.origin + url.pathname).toBe(client.redirectUri);
    expect(url.searchParams.get("state")).toBe("state-123");
    expect(url.searchParams.get("iss")).toBe("https://auth.example");
    const tokens = await exchangeCode(client, codeOf(url), verifier);
    expect(tokens.status).toBe(200);
    expect((await tokens.json<TokenBody>()).scope).toBe("photos");
  });

  it("Deny → access_denied back at the redirect URI, with state and iss, no code, and nothing remembered", async () => {
    const client = await registerCodeClient();
    const { browser, page } = await loggedIn(client, await newUser());
    const denied = await browser.submit(page, { consent: "deny" });
    expect(denied.status).toBe(303);
    const url = redirectedTo(denied);
    expect(url.origin + url.pathname).toBe(client.redirectUri);
    expect(url.searchParams.get("error")).toBe("access_denied");
    expect(url.searchParams.get("error_description")).toEqual(expect.any(String));
    expect(url.searchParams.get("code")).toBeNull();
    expect(url.searchParams.get("state")).toBe("state-123");
    expect(url.searchParams.get("iss")).toBe("https://auth.example");
    expect((await firstPage(browser, client)).page).toBe("consent");
  });

  it("Deny without a state sends no state back", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const { challenge } = await pkce();
    const params = authorizeParams(client, challenge);
    delete params.state;
    const consent = await logIn(browser, await browser.authorize(params), user);
    const url = redirectedTo(await browser.submit(consent, { consent: "deny" }));
    expect(url.searchParams.get("error")).toBe("access_denied");
    expect(url.searchParams.has("state")).toBe(false);
  });

  it("a private-use redirect URI (native app) gets the code and the denial alike", async () => {
    const client = await registerCodeClient({ redirect_uris: ["com.example.app:/callback"] });
    const { browser, page } = await loggedIn(client, await newUser());
    const url = redirectedTo(await browser.submit(page, { consent: "deny" }));
    expect(url.protocol).toBe("com.example.app:");
    expect(url.searchParams.get("error")).toBe("access_denied");
  });

  for (const value of ["maybe", "", "APPROVE", "allow"]) {
    it(`consent=${JSON.stringify(value)} is an error page, not a redirect, and approves nothing`, async () => {
      const client = await registerCodeClient();
      const { browser, page } = await loggedIn(client, await newUser());
      const html = await page.text();
      const response = await browser.submit(html, { consent: value });
      expect(response.status).toBe(400);
      expect(response.headers.get("Location")).toBeNull();
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(await response.text()).not.toContain("code=");
      expect((await firstPage(browser, client)).page).toBe("consent");
    });
  }

  it("a consent post without consent at all is an error page", async () => {
    const client = await registerCodeClient();
    const { browser, page } = await loggedIn(client, await newUser());
    const html = await page.text();
    const response = await browser.request("/oauth2/consent", { method: "POST", headers: FORM_TYPE, body: form(hiddenFields(html)) });
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  });

  it("a consent post without the CSRF token (another site's form) is refused and approves nothing", async () => {
    const client = await registerCodeClient();
    const { browser, page } = await loggedIn(client, await newUser());
    const fields = hiddenFields(await page.text());
    delete fields.csrf_token;
    const response = await browser.request("/oauth2/consent", { method: "POST", headers: FORM_TYPE, body: form({ ...fields, consent: "approve" }) });
    expect(response.status).toBe(403);
    expect(response.headers.get("Location")).toBeNull();
    expect((await firstPage(browser, client)).page).toBe("consent");
  });

  it("a consent post whose redirect_uri was tampered with is an error page, never a redirect there", async () => {
    const client = await registerCodeClient();
    const { browser, page } = await loggedIn(client, await newUser());
    const original = await page.text();
    const html = original.replace(`value="${client.redirectUri}"`, 'value="https://evil.example/callback"');
    expect(html).not.toBe(original);
    const response = await browser.submit(html, { consent: "approve" });
    expect(response.status).toBe(400);
    expect(response.headers.get("Location")).toBeNull();
  });

  it("a consent post without a session shows the login page; after the login, the consent page again", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const { browser, page, verifier } = await loggedIn(client, user);
    const html = await page.text();
    browser.cookies.delete(SESSION);
    const response = await browser.submit(html, { consent: "approve" });
    expect(response.status).toBe(200);
    expect(await pageOf(response)).toBe("login");
    expect(response.headers.get("Location")).toBeNull();
    const again = await logIn(browser, response, user);
    expect(await pageOf(again)).toBe("consent");
    const url = redirectedTo(await browser.submit(again, { consent: "approve" }));
    expect((await exchangeCode(client, codeOf(url), verifier)).status).toBe(200);
  });

  it("a consent post after the user was deactivated (the session no longer holds) shows the login page", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const { browser, page } = await loggedIn(client, user);
    const html = await page.text();
    // The user is deactivated between the page and the post.
    await scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "active", value: false }] });
    const response = await browser.submit(html, { consent: "approve" });
    expect(await pageOf(response)).toBe("login");
  });
});

describe("remembered consent: per (user, client), for the approved scopes", () => {
  it("the same scopes skip the page", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client, "photos albums");
    const { response, page, verifier } = await firstPage(browser, client, { scope: "albums photos" });
    expect(page).toBe("redirect");
    expect((await exchangeCode(client, codeOf(redirectedTo(response)), verifier)).status).toBe(200);
  });

  it("fewer scopes skip the page", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client, "photos albums");
    expect((await firstPage(browser, client, { scope: "albums" })).page).toBe("redirect");
    expect((await firstPage(browser, client, { scope: "photos" })).page).toBe("redirect");
  });

  it("more scopes show the page again, listing them; approving remembers the union", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client, "photos");
    const { response, page } = await firstPage(browser, client, { scope: "photos albums" });
    expect(page).toBe("consent");
    expect(await response.clone().text()).toMatch(/<span class="name">albums<\/span>/);
    redirectedTo(await browser.submit(response, { consent: "approve" }));
    expect((await firstPage(browser, client, { scope: "albums photos" })).page).toBe("redirect");
    expect((await firstPage(browser, client, { scope: "photos" })).page).toBe("redirect");
    expect((await firstPage(browser, client, { scope: "albums" })).page).toBe("redirect");
    expect((await firstPage(browser, client, { scope: "albums videos" })).page).toBe("consent");
  });

  it("a request with no scope (the default scope) is its own approval", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client, "photos");
    const { challenge } = await pkce();
    const params = authorizeParams(client, challenge);
    delete params.scope;
    expect(await pageOf(await browser.authorize(params))).toBe("consent");
  });

  it("another client shows the page", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client);
    const other = await registerCodeClient({ client_name: "Another App" });
    const { response, page } = await firstPage(browser, other);
    expect(page).toBe("consent");
    expect(await response.text()).toContain("Another App");
  });

  it("another user shows the page", async () => {
    const client = await registerCodeClient();
    await approved(client);
    const { page } = await loggedIn(client, await newUser());
    expect(await pageOf(page)).toBe("consent");
  });

  it("the approval follows the user, not the browser: a new login in another browser skips the page", async () => {
    const client = await registerCodeClient();
    const { user } = await approved(client);
    const { page } = await loggedIn(client, user);
    expect(await pageOf(page)).toBe("redirect");
  });

  it("prompt=consent shows the page again, and Deny then is access_denied even though an approval exists", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client);
    const { response, page } = await firstPage(browser, client, { prompt: "consent" });
    expect(page).toBe("consent");
    const url = redirectedTo(await browser.submit(response, { consent: "deny" }));
    expect(url.searchParams.get("error")).toBe("access_denied");
  });

  it("prompt=consent with prompt=login shows the login page, then the consent page", async () => {
    const client = await registerCodeClient();
    const { user, browser } = await approved(client);
    const { response, page } = await firstPage(browser, client, { prompt: "login consent" });
    expect(page).toBe("login");
    expect(await pageOf(await logIn(browser, response, user))).toBe("consent");
  });

  it("a user deleted and re-created with the same userName must consent again", async () => {
    const client = await registerCodeClient();
    const { user } = await approved(client);
    expect((await scim(`/${user.id}`, "DELETE")).status).toBe(204);
    const id = await createUser(user.userName, user.password);
    expect(id).not.toBe(user.id);
    const { page } = await loggedIn(client, { ...user, id });
    expect(await pageOf(page)).toBe("consent");
  });

  it("a password change keeps the approval (the same user)", async () => {
    const client = await registerCodeClient();
    const { user } = await approved(client);
    await scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "password", value: "a new password" }] });
    const { page } = await loggedIn(client, { ...user, password: "a new password" });
    expect(await pageOf(page)).toBe("redirect");
  });

  it("a client deleted and re-registered is a new client: consent again", async () => {
    const client = await registerCodeClient();
    const { browser } = await approved(client);
    const again = await registerCodeClient();
    expect(again.id).not.toBe(client.id);
    expect((await firstPage(browser, again)).page).toBe("consent");
  });
});

describe('skip_consent: true (first-party apps, WSO2 "skip consent")', () => {
  it("never shows the consent page: the login goes straight back with a code", async () => {
    const client = await registerCodeClient({ skip_consent: true });
    const user = await newUser();
    const { page, verifier } = await loggedIn(client, user, { scope: "photos albums" });
    expect(await pageOf(page)).toBe("redirect");
    expect((await exchangeCode(client, codeOf(redirectedTo(page)), verifier)).status).toBe(200);
  });

  it("not even with prompt=consent, or for new scopes", async () => {
    const client = await registerCodeClient({ skip_consent: true });
    const user = await newUser();
    const { browser } = await loggedIn(client, user);
    expect((await firstPage(browser, client, { prompt: "consent" })).page).toBe("redirect");
    expect((await firstPage(browser, client, { scope: "videos" })).page).toBe("redirect");
  });

  it("prompt=none with a session answers a code (no consent is required)", async () => {
    const client = await registerCodeClient({ skip_consent: true });
    const { browser } = await loggedIn(client, await newUser());
    const url = redirectedTo((await firstPage(browser, client, { prompt: "none" })).response);
    expect(url.searchParams.get("code")).toEqual(expect.any(String));
  });

  it("skip_consent: false behaves as no flag", async () => {
    const client = await registerCodeClient({ skip_consent: false });
    const { page } = await loggedIn(client, await newUser());
    expect(await pageOf(page)).toBe("consent");
  });
});
