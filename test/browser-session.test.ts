import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionObject } from "../src/browser/session-object";
import { fromBase64Url, toBase64Url } from "../src/tokens/encoding";
import { sha256 } from "../src/tokens/hash";
import {
  authorizeCode,
  authorizeParams,
  codeOf,
  exchangeCode,
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
import { bindings, createUser, isActive, scim, type TokenBody } from "./helpers/oauth";
import { ownTables } from "./helpers/sqlite";

/**
 * SPEC §10 login page and browser sessions (SSO): one login serves later authorizations of the
 * same browser, unless `prompt=login` or `max_age` asks for the password again; the session is
 * an opaque `__Host-` cookie whose secret is kept only hashed; it ends with its lifetime and when
 * the user changes (SCIM). Time comes from the injected test clock.
 */
const clock = useTestClock();

const SESSION = "__Host-session";
const HOUR = 3600_000;

type User = Awaited<ReturnType<typeof newUser>>;

/** A browser that went through one whole authorization (login and consent) for `client`. */
async function signedIn(client?: CodeClient, user?: User) {
  const app = client ?? (await registerCodeClient());
  const person = user ?? (await newUser());
  const browser = new TestBrowser();
  await authorizeCode(browser, person, app);
  expect(browser.cookies.has(SESSION)).toBe(true);
  return { client: app, user: person, browser };
}

/** Starts an authorization and says what the browser sees first. */
async function firstPage(browser: TestBrowser, client: CodeClient, extra: Record<string, string> = {}) {
  const { challenge } = await pkce();
  const response = await browser.authorize(authorizeParams(client, challenge, extra));
  return { response, page: await pageOf(response) };
}

describe("single sign-on (SPEC §10)", () => {
  it("after one login, a second authorization from the same browser goes straight back with a code, without the password", async () => {
    const { client, browser } = await signedIn();
    const { verifier, challenge } = await pkce();
    const response = await browser.authorize(authorizeParams(client, challenge));
    expect(await pageOf(response)).toBe("redirect");
    expect(response.status).toBe(302);
    const url = redirectedTo(response);
    expect(url.origin + url.pathname).toBe(client.redirectUri);
    expect(url.searchParams.get("state")).toBe("state-123");
    expect(url.searchParams.get("iss")).toBe("https://auth.example");
    const body = await exchangeCode(client, codeOf(url), verifier);
    expect(body.status).toBe(200);
    const tokens = await body.json<TokenBody>();
    expect(await isActive(tokens.access_token)).toBe(true);
  });

  it("the session serves another client too: no password, but that client's consent page", async () => {
    const { browser } = await signedIn();
    const other = await registerCodeClient({ client_name: "Other App" });
    const { response, page } = await firstPage(browser, other);
    expect(page).toBe("consent");
    expect(await response.text()).toContain("Other App");
  });

  it("another browser (no cookie) must log in", async () => {
    const { client } = await signedIn();
    const { page } = await firstPage(new TestBrowser(), client);
    expect(page).toBe("login");
  });

  it("a failed login shows the login page again with one generic message and starts no session", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const { response } = await firstPage(browser, client);
    const failed = await logIn(browser, response, { userName: user.userName, password: "wrong password" });
    expect(failed.status).toBe(400);
    expect(await pageOf(failed)).toBe("login");
    expect(await failed.clone().text()).toContain("The username or password is incorrect.");
    expect(browser.cookies.has(SESSION)).toBe(false);
    const unknown = await logIn(browser, failed, { userName: "nobody-" + user.userName, password: user.password });
    expect(await unknown.text()).toContain("The username or password is incorrect.");
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  it("the administrator (ADMIN_USERNAME) can sign in on the login page too", async () => {
    const client = await registerCodeClient();
    const browser = new TestBrowser();
    const { code, verifier } = await authorizeCode(browser, { userName: "admin", password: "admin" }, client);
    expect((await exchangeCode(client, code, verifier)).status).toBe(200);
    expect((await firstPage(browser, client)).page).toBe("redirect");
  });
});

describe("prompt and max_age (OIDC Core §3.1.2.1)", () => {
  it("prompt=login shows the login page again even with a session; the same user's login keeps the session", async () => {
    const { client, user, browser } = await signedIn();
    const cookie = browser.cookies.get(SESSION)!;
    const { verifier, challenge } = await pkce();
    const response = await browser.authorize(authorizeParams(client, challenge, { prompt: "login" }));
    expect(await pageOf(response)).toBe("login");
    const after = await logIn(browser, response, user);
    // Consent is remembered: the login goes straight back to the client.
    expect(after.status).toBe(303);
    expect((await exchangeCode(client, codeOf(redirectedTo(after)), verifier)).status).toBe(200);
    // The same user signing in again re-authenticates the session (its id, the OIDC sid, stays).
    expect(browser.cookies.get(SESSION)).toBe(cookie);
    expect((await firstPage(browser, client)).page).toBe("redirect");
  });

  it("prompt=login and another user signs in: the previous session ends and a new one starts", async () => {
    const { client, browser } = await signedIn();
    const oldCookie = browser.cookies.get(SESSION)!;
    const other = await newUser();
    const response = (await firstPage(browser, client, { prompt: "login" })).response;
    const after = await logIn(browser, response, other);
    expect(await pageOf(after)).toBe("consent"); // the other user has approved nothing
    expect(await after.text()).toContain(other.userName);
    expect(browser.cookies.get(SESSION)).not.toBe(oldCookie);
    const stale = new TestBrowser();
    stale.cookies.set(SESSION, oldCookie);
    expect((await firstPage(stale, client)).page).toBe("login");
  });

  it("max_age: past it the login page, within it no login", async () => {
    const { client, browser } = await signedIn();
    clock.advance(30_000);
    expect((await firstPage(browser, client, { max_age: "60" })).page).toBe("redirect");
    clock.advance(31_000); // 61 s since the login
    expect((await firstPage(browser, client, { max_age: "60" })).page).toBe("login");
    expect((await firstPage(browser, client, { max_age: "120" })).page).toBe("redirect");
    expect((await firstPage(browser, client)).page).toBe("redirect");
  });

  it("max_age: a new login satisfies it and restarts the clock of the session", async () => {
    const { client, user, browser } = await signedIn();
    clock.advance(120_000);
    const { challenge } = await pkce();
    const response = await browser.authorize(authorizeParams(client, challenge, { max_age: "60" }));
    const after = await logIn(browser, response, user);
    expect(codeOf(redirectedTo(after))).toEqual(expect.any(String));
    clock.advance(30_000);
    expect((await firstPage(browser, client, { max_age: "60" })).page).toBe("redirect");
  });

  it("max_age=0 asks for the password again (OIDC: equivalent to prompt=login)", async () => {
    const { client, browser } = await signedIn();
    clock.advance(1_000);
    expect((await firstPage(browser, client, { max_age: "0" })).page).toBe("login");
  });

  it("max_age=0 asks for the password again even in the instant of the login (OIDC Core §3.1.2.1: max_age=0 is prompt=login)", async () => {
    // The test clock stands still: no time has passed since the login, yet max_age=0 must still
    // demand a new login, as prompt=login does.
    const { client, browser } = await signedIn();
    expect((await firstPage(browser, client, { max_age: "0" })).page).toBe("login");
  });

  it("prompt=none with a live session and remembered consent → a code, without any page", async () => {
    const { client, browser } = await signedIn();
    const { verifier, challenge } = await pkce();
    const response = await browser.authorize(authorizeParams(client, challenge, { prompt: "none" }));
    expect(response.status).toBe(302);
    const url = redirectedTo(response);
    expect(url.searchParams.get("error")).toBeNull();
    expect(url.searchParams.get("state")).toBe("state-123");
    expect((await exchangeCode(client, codeOf(url), verifier)).status).toBe(200);
  });

  it("prompt=none without a session → login_required, with state and iss", async () => {
    const client = await registerCodeClient();
    const { response } = await firstPage(new TestBrowser(), client, { prompt: "none" });
    const url = redirectedTo(response);
    expect(url.origin + url.pathname).toBe(client.redirectUri);
    expect(url.searchParams.get("error")).toBe("login_required");
    expect(url.searchParams.get("code")).toBeNull();
    expect(url.searchParams.get("state")).toBe("state-123");
    expect(url.searchParams.get("iss")).toBe("https://auth.example");
  });

  it("prompt=none with a session past max_age → login_required", async () => {
    const { client, browser } = await signedIn();
    clock.advance(61_000);
    const url = redirectedTo((await firstPage(browser, client, { prompt: "none", max_age: "60" })).response);
    expect(url.searchParams.get("error")).toBe("login_required");
  });

  it("prompt=none with a session but no consent for this client → consent_required", async () => {
    const { browser } = await signedIn();
    const other = await registerCodeClient();
    const url = redirectedTo((await firstPage(browser, other, { prompt: "none" })).response);
    expect(url.searchParams.get("error")).toBe("consent_required");
    expect(url.searchParams.get("state")).toBe("state-123");
  });

  it("prompt=none combined with another value is invalid_request", async () => {
    const { client, browser } = await signedIn();
    const url = redirectedTo((await firstPage(browser, client, { prompt: "none login" })).response);
    expect(url.searchParams.get("error")).toBe("invalid_request");
  });
});

describe("the session's lifetime (SESSION_LIFETIME, injected clock)", () => {
  it("lasts 8 hours by default: usable just before, the login page at 8 h", async () => {
    const { client, browser } = await signedIn();
    clock.advance(8 * HOUR - 1_000);
    expect((await firstPage(browser, client)).page).toBe("redirect");
    clock.advance(1_000);
    expect((await firstPage(browser, client)).page).toBe("login");
    const url = redirectedTo((await firstPage(browser, client, { prompt: "none" })).response);
    expect(url.searchParams.get("error")).toBe("login_required");
  });

  it("SESSION_LIFETIME=600: the login page after 10 minutes, and the cookie says so (Max-Age)", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser({ SESSION_LIFETIME: "600" });
    const { challenge } = await pkce();
    const login = await browser.authorize(authorizeParams(client, challenge));
    const after = await logIn(browser, login, user);
    const setCookie = after.headers.getSetCookie().find((line) => line.startsWith(`${SESSION}=`))!;
    expect(setCookie).toMatch(/Max-Age=600/i);
    await browser.submit(after, { consent: "approve" });
    clock.advance(599_000);
    expect((await firstPage(browser, client)).page).toBe("redirect");
    clock.advance(1_000);
    expect((await firstPage(browser, client)).page).toBe("login");
  });
});

describe("the session ends when the user changes (SCIM)", () => {
  const changes: [string, (user: User) => Promise<Response>][] = [
    ["is deleted", (user) => scim(`/${user.id}`, "DELETE")],
    ["is deactivated", (user) => scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "active", value: false }] })],
    ["changes password", (user) => scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "password", value: "a new password" }] })],
  ];
  for (const [name, change] of changes) {
    it(`the user ${name}: the next authorization asks for the password`, async () => {
      const { client, user, browser } = await signedIn();
      expect((await change(user)).status).toBeLessThan(300);
      expect((await firstPage(browser, client)).page).toBe("login");
      const url = redirectedTo((await firstPage(browser, client, { prompt: "none" })).response);
      expect(url.searchParams.get("error")).toBe("login_required");
    });
  }

  it("a user deactivated and reactivated does not get the old session back", async () => {
    const { client, user, browser } = await signedIn();
    await scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "active", value: false }] });
    expect((await firstPage(browser, client)).page).toBe("login");
    await scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "active", value: true }] });
    expect((await firstPage(browser, client)).page).toBe("login");
  });

  it("after a password change, the new password signs in again", async () => {
    const { client, user, browser } = await signedIn();
    await scim(`/${user.id}`, "PATCH", { Operations: [{ op: "replace", path: "password", value: "a new password" }] });
    const { response } = await firstPage(browser, client);
    const after = await logIn(browser, response, { userName: user.userName, password: "a new password" });
    expect(await pageOf(after)).toBe("redirect");
    expect((await firstPage(browser, client)).page).toBe("redirect");
  });

  it("a user deleted and re-created with the same userName does not inherit the old session", async () => {
    const { client, user, browser } = await signedIn();
    expect((await scim(`/${user.id}`, "DELETE")).status).toBe(204);
    await createUser(user.userName, user.password);
    expect((await firstPage(browser, client)).page).toBe("login");
  });

  it("a user's other changes (a name) keep the session", async () => {
    const { client, user, browser } = await signedIn();
    const patched = await scim(`/${user.id}`, "PATCH", { Operations: [{ op: "add", path: "name.familyName", value: "Lee" }] });
    expect(patched.status).toBe(200);
    expect((await firstPage(browser, client)).page).toBe("redirect");
  });
});

describe("the session cookie (SPEC §10, §6 secrets at rest)", () => {
  it("is __Host-session: HttpOnly, Secure, SameSite=Lax, Path=/, no Domain", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const { challenge } = await pkce();
    const after = await logIn(browser, await browser.authorize(authorizeParams(client, challenge)), user);
    const line = after.headers.getSetCookie().find((l) => l.startsWith(`${SESSION}=`));
    expect(line).toBeDefined();
    const attributes = line!.split(";").slice(1).map((a) => a.trim().toLowerCase());
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("secure");
    expect(attributes).toContain("samesite=lax");
    expect(attributes).toContain("path=/");
    expect(attributes.some((a) => a.startsWith("domain"))).toBe(false);
  });

  it("is opaque, and the session object stores only a hash of its secret", async () => {
    const before = new Set((await listDurableObjectIds(bindings.SESSIONS)).map((id) => id.toString()));
    const { user, browser } = await signedIn();
    const cookie = browser.cookies.get(SESSION)!;
    // Opaque: the cookie names neither the user nor anything readable.
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(cookie).not.toContain(user.userName);
    expect(cookie).not.toContain(user.id);
    expect(atob(cookie.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (cookie.length % 4)) % 4))).not.toContain(user.userName);

    const created = (await listDurableObjectIds(bindings.SESSIONS)).filter((id) => !before.has(id.toString()));
    expect(created).toHaveLength(1);
    const dump = await runInDurableObject(bindings.SESSIONS.get(created[0]!), (_instance: SessionObject, state) => {
      return ownTables(state.storage.sql).map((table) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${table}"`).toArray())).join("\n");
    });
    expect(dump).toContain(user.userName); // this is the session's object
    // Neither the cookie nor any 12-character piece of it is stored.
    for (let i = 0; i + 12 <= cookie.length; i += 1) expect(dump).not.toContain(cookie.slice(i, i + 12));
    // What is stored is the SHA-256 of the cookie's secret part (the bytes after the 32-byte object id).
    const bytes = fromBase64Url(cookie)!;
    const secret = toBase64Url(bytes.subarray(32));
    expect(dump).toContain(await sha256(secret));
  });

  const forgeries: [string, (cookie: string) => string][] = [
    ["truncated by one character", (c) => c.slice(0, -1)],
    ["truncated to half", (c) => c.slice(0, Math.floor(c.length / 2))],
    ["with a character of the secret changed", (c) => c.slice(0, -2) + (c.at(-2) === "A" ? "B" : "A") + c.at(-1)],
    ["with a character of the object id changed", (c) => (c[0] === "A" ? "B" : "A") + c.slice(1)],
    ["random bytes of the right length", (c) => toBase64Url(crypto.getRandomValues(new Uint8Array(fromBase64Url(c)!.length)))],
    ["longer by one character", (c) => c + "A"],
    ["not base64url at all", () => "%%%not a cookie%%%"],
    ["empty", () => ""],
  ];
  for (const [name, forge] of forgeries) {
    it(`a cookie ${name} is just "no session": the login page, and prompt=none is login_required`, async () => {
      const { client, browser } = await signedIn();
      const forged = new TestBrowser();
      forged.cookies.set(SESSION, forge(browser.cookies.get(SESSION)!));
      const { response, page } = await firstPage(forged, client);
      expect(response.status).toBe(200);
      expect(page).toBe("login");
      const none = redirectedTo((await firstPage(forged, client, { prompt: "none" })).response);
      expect(none.searchParams.get("error")).toBe("login_required");
      // The real session is untouched.
      expect((await firstPage(browser, client)).page).toBe("redirect");
    });
  }

  it("the secret of one session does not open another session's object", async () => {
    const { client, browser: alice } = await signedIn();
    const { browser: bob } = await signedIn(client);
    const a = fromBase64Url(alice.cookies.get(SESSION)!)!;
    const b = fromBase64Url(bob.cookies.get(SESSION)!)!;
    const mixed = new Uint8Array(a.length);
    mixed.set(a.subarray(0, 32), 0);
    mixed.set(b.subarray(32), 32);
    const forged = new TestBrowser();
    forged.cookies.set(SESSION, toBase64Url(mixed));
    expect((await firstPage(forged, client)).page).toBe("login");
  });
});
