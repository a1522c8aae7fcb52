import * as oidc from "openid-client";
import { describe, expect, it } from "vitest";
import { call, ORIGIN } from "./helpers/http";
import { authorizeParams, exchangeCode, newUser, pkce, registerCodeClient, signInAndApprove, TestBrowser, type CodeClient } from "./helpers/browser";
import { createUser, isActive, refreshed, scim, uniqueName } from "./helpers/oauth";

const fetchThroughWorker = (browser?: TestBrowser) => (url: string, init: RequestInit) => {
  const { pathname, search } = new URL(url);
  return browser ? browser.request(`${pathname}${search}`, init) : call(`${pathname}${search}`, init);
};

/** openid-client configured from our discovery document, as a web app would. */
async function relyingParty(client: CodeClient): Promise<oidc.Configuration> {
  const options = { [oidc.customFetch]: fetchThroughWorker() };
  const config = await oidc.discovery(new URL(ORIGIN), client.id, client.secret ?? undefined, client.secret ? undefined : oidc.None(), options);
  config[oidc.customFetch] = fetchThroughWorker();
  return config;
}

/** The whole sign-in through openid-client: authorization URL, the browser's pages, the code exchange. */
async function signIn(browser: TestBrowser, client: CodeClient, user: { userName: string; password: string }, scope = "openid profile email") {
  const config = await relyingParty(client);
  const { verifier, challenge } = await pkce();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: client.redirectUri, scope, code_challenge: challenge, code_challenge_method: "S256", state, nonce });
  const back = await signInAndApprove(browser, user, Object.fromEntries(url.searchParams));
  const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  return { config, tokens };
}

async function userWithProfile() {
  const userName = uniqueName("ada");
  const password = "analytical engine";
  const id = await createUser(userName, password, {
    name: { givenName: "Ada", familyName: "Lovelace" },
    emails: [{ value: "ada@example.com", primary: true }],
  });
  return { userName, password, id };
}

describe("OpenID Connect (SPEC §11)", () => {
  it("openid-client validates the id_token unmodified; sub is the SCIM id, with the profile and email claims", async () => {
    const client = await registerCodeClient();
    const user = await userWithProfile();
    const { tokens } = await signIn(new TestBrowser(), client, user);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: ORIGIN,
      sub: user.id,
      aud: client.id,
      name: "Ada Lovelace",
      given_name: "Ada",
      family_name: "Lovelace",
      email: "ada@example.com",
      email_verified: false,
      amr: ["pwd"],
    });
    expect(typeof claims.auth_time).toBe("number");
    expect(typeof claims.sid).toBe("string");
    expect(claims.at_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("releases only the claims of the granted scopes", async () => {
    const client = await registerCodeClient();
    const user = await userWithProfile();
    const { tokens } = await signIn(new TestBrowser(), client, user, "openid");
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims).not.toHaveProperty("email");
    expect(claims).not.toHaveProperty("name");
  });

  it("gives no id_token without openid", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const { verifier, challenge } = await pkce();
    const back = await signInAndApprove(new TestBrowser(), user, authorizeParams(client, challenge, { scope: "photos" }));
    const body = await (await exchangeCode(client, back.searchParams.get("code")!, verifier)).json<Record<string, unknown>>();
    expect(body).not.toHaveProperty("id_token");
  });

  it("fetchUserInfo returns the claims of the token's scopes", async () => {
    const client = await registerCodeClient();
    const user = await userWithProfile();
    const { config, tokens } = await signIn(new TestBrowser(), client, user);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, name: "Ada Lovelace", email: "ada@example.com", preferred_username: user.userName });
  });

  it("userinfo answers RFC 6750 errors: no token, a bad token, a token without openid", async () => {
    const none = await call("/oauth2/userinfo");
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toBe('Bearer realm="oauth2"');
    const bad = await call("/oauth2/userinfo", { headers: { Authorization: "Bearer not-a-token" } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("WWW-Authenticate")).toMatch(/error="invalid_token"/);
    const client = await registerCodeClient();
    const user = await newUser();
    const { verifier, challenge } = await pkce();
    const back = await signInAndApprove(new TestBrowser(), user, authorizeParams(client, challenge, { scope: "photos" }));
    const body = await (await exchangeCode(client, back.searchParams.get("code")!, verifier)).json<{ access_token: string }>();
    const noOpenId = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${body.access_token}` } });
    expect(noOpenId.status).toBe(403);
    expect(noOpenId.headers.get("WWW-Authenticate")).toMatch(/error="insufficient_scope"/);
  });

  it("userinfo refuses a superseded token at once (its grant object decides, not KV)", async () => {
    const client = await registerCodeClient();
    const user = await userWithProfile();
    const { tokens } = await signIn(new TestBrowser(), client, user);
    const next = await refreshed({ id: client.id, secret: "", authorization: "" }, tokens.refresh_token!, { client_id: client.id });
    const old = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(old.status).toBe(401);
    const current = await call("/oauth2/userinfo", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: `access_token=${next.access_token}` });
    expect(current.status).toBe(200);
  });

  it("logout with a valid id_token_hint ends the session, revokes its tokens and redirects to the registered URI with state", async () => {
    const client = await registerCodeClient({ post_logout_redirect_uris: ["https://app.example/signed-out"] });
    const user = await userWithProfile();
    const browser = new TestBrowser();
    const { tokens } = await signIn(browser, client, user);
    expect(await isActive(tokens.access_token)).toBe(true);
    const query = new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: "https://app.example/signed-out", state: "bye" });
    const response = await browser.request(`/oidc/logout?${query}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("https://app.example/signed-out?state=bye");
    expect(browser.cookies.has("__Host-session")).toBe(false);
    expect(await isActive(tokens.access_token)).toBe(false);
    expect(await isActive(tokens.refresh_token!, {}, "refresh_token")).toBe(false);
    // The next authorization asks for the password again.
    const { challenge } = await pkce();
    const again = await browser.authorize(authorizeParams(client, challenge, { scope: "openid" }));
    expect(await again.text()).toContain('name="password"');
  });

  it("logout without a hint asks the user to confirm (no logout CSRF); confirming signs out", async () => {
    const client = await registerCodeClient();
    const user = await userWithProfile();
    const browser = new TestBrowser();
    const { tokens } = await signIn(browser, client, user);
    const page = await browser.request("/oidc/logout");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('value="confirm"');
    expect(await isActive(tokens.access_token)).toBe(true); // nothing happened yet
    const forged = await call("/oidc/logout", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "logout=confirm" });
    expect(forged.status).toBe(403);
    const done = await browser.submit(html, { logout: "confirm" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("You are signed out");
    expect(await isActive(tokens.access_token)).toBe(false);
  });

  it("refuses an unregistered post_logout_redirect_uri and a forged hint with an error page", async () => {
    const client = await registerCodeClient({ post_logout_redirect_uris: ["https://app.example/signed-out"] });
    const unregistered = await call(`/oidc/logout?client_id=${client.id}&post_logout_redirect_uri=${encodeURIComponent("https://evil.example/")}`);
    expect(unregistered.status).toBe(400);
    expect(unregistered.headers.get("Location")).toBeNull();
    expect(unregistered.headers.get("Content-Type")).toMatch(/text\/html/);
    const forged = await call(`/oidc/logout?id_token_hint=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.`);
    expect(forged.status).toBe(400);
  });

  it("a user deleted in SCIM: userinfo refuses the token", async () => {
    const client = await registerCodeClient();
    const user = await userWithProfile();
    const { tokens } = await signIn(new TestBrowser(), client, user);
    expect((await scim(`/${user.id}`, "DELETE")).status).toBe(204);
    const response = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
  });

  it("the administrator can sign in too; its sub is ADMIN_USERNAME", async () => {
    const client = await registerCodeClient();
    const { tokens } = await signIn(new TestBrowser(), client, { userName: "admin", password: "admin" }, "openid profile");
    expect(tokens.claims()).toMatchObject({ sub: "admin", preferred_username: "admin" });
  });
});
