import * as oauth from "oauth4webapi";
import type { Browser, BrowserContext, HTTPResponse, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeElement, DESKTOP, launchChromium, PHONE, screenshot, startCallbackServer, waitFor, type CallbackServer, type Viewport } from "./browser";
import { startDevServer, type DevServer } from "./dev-server";

// SPEC §10 (issue 9) in a real browser: headless Chromium signs in on the login page with the
// keyboard, approves the consent page and lands on a local client, which redeems the code with
// PKCE through oauth4webapi, all against `wrangler dev`.
let server: DevServer | undefined;
let callback: CallbackServer | undefined;
let browser: Browser | undefined;
let as: oauth.AuthorizationServer;
let client: oauth.Client;

const ADMIN = `Basic ${Buffer.from("admin:admin").toString("base64")}`;
const CLIENT_NAME = "Photo Album";
const PASSWORDS: Record<string, string> = { alice: "Alice-pa55word!", bob: "B0b-secret-phrase", carol: "Car0l-secret-phrase" };
/** The user whose sign-in page is photographed at each size. */
const SCREENSHOT_USER: Record<Viewport["name"], string> = { desktop: "bob", phone: "carol" };
const insecure = { [oauth.allowInsecureRequests]: true } as const;

beforeAll(async () => {
  // wrangler dev takes the longest: start it while Chromium launches.
  await Promise.all([
    startDevServer().then((started) => (server = started)),
    startCallbackServer().then((started) => (callback = started)),
    launchChromium().then((launched) => (browser = launched)),
  ]);
  const issuer = new URL(server!.url);
  // The client asks for `openid`: it reads the OpenID Provider Metadata (ID Token algorithms).
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...insecure }));
  client = { client_id: await registerPublicClient(), token_endpoint_auth_method: "none" };
  for (const [userName, password] of Object.entries(PASSWORDS)) await createUser(userName, password);
});

afterAll(async () => {
  await Promise.allSettled([browser?.close(), callback?.stop(), server?.stop()]);
});

async function registerPublicClient(): Promise<string> {
  const response = await fetch(`${server!.url}/api/identity/oauth2/dcr/v1.1/register`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: CLIENT_NAME,
      grant_types: ["authorization_code", "refresh_token"],
      redirect_uris: [callback!.redirectUri],
      token_endpoint_auth_method: "none",
    }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { client_id: string; client_secret?: string };
  expect(body.client_secret).toBeUndefined();
  return body.client_id;
}

async function createUser(userName: string, password: string): Promise<void> {
  const response = await fetch(`${server!.url}/scim2/Users`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, password }),
  });
  expect(response.status).toBe(201);
}

interface Authorization {
  url: string;
  state: string;
  codeVerifier: string;
}

async function newAuthorization(): Promise<Authorization> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: callback!.redirectUri,
    scope: "openid profile",
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  }).toString();
  return { url: url.href, state, codeVerifier };
}

/**
 * The client's half: check the callback (state, iss) and redeem the code with PKCE; an ID Token
 * in the answer is validated too (iss, aud, azp, exp, iat, no nonce, its alg among the metadata's).
 */
async function redeem(callbackUrl: URL, authorization: Authorization): Promise<oauth.TokenEndpointResponse> {
  const params = oauth.validateAuthResponse(as, client, callbackUrl, authorization.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, callback!.redirectUri, authorization.codeVerifier, insecure);
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

async function introspect(token: string, hint?: string): Promise<string> {
  const response = await fetch(`${server!.url}/oauth2/introspect`, {
    method: "POST",
    headers: { Authorization: ADMIN, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, ...(hint ? { token_type_hint: hint } : {}) }),
  });
  expect(response.status).toBe(200);
  return response.text();
}

async function newPage(context: BrowserContext, viewport: Viewport = DESKTOP): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(20_000);
  await page.setViewport(viewport);
  return page;
}

/** Runs `action` (a key press, a click) and waits for the navigation it starts. */
async function navigating(page: Page, action: () => Promise<unknown>): Promise<HTTPResponse> {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
  if (!response) throw new Error(`no navigation response (at ${page.url()})`);
  return response;
}

function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** The text of the consent page the user reads: heading, lead, permissions. */
async function consentText(page: Page): Promise<{ heading: string; lead: string; scopes: string[] }> {
  return page.evaluate(() => ({
    heading: document.querySelector("h1")?.textContent ?? "",
    lead: document.querySelector(".lead")?.textContent ?? "",
    scopes: Array.from(document.querySelectorAll("ul.scopes li"), (item) => item.textContent ?? ""),
  }));
}

function expectConsentPage(text: Awaited<ReturnType<typeof consentText>>, userName: string): void {
  expect(text.heading).toContain(CLIENT_NAME);
  expect(text.lead).toContain(userName);
  expect(text.scopes).toHaveLength(2);
  expect(text.scopes[0]).toContain("openid");
  expect(text.scopes[0]).toContain("Know who you are");
  expect(text.scopes[1]).toContain("profile");
  expect(text.scopes[1]).toContain("See your name");
}

describe("SPEC §10 authorization code flow in Chromium against wrangler dev", () => {
  // The single sign-on test continues in the browser context (and with the tokens) of the first.
  let alice: BrowserContext | undefined;
  let firstTokens: oauth.TokenEndpointResponse | undefined;
  let firstCode: string | null = null;
  let secondTokens: oauth.TokenEndpointResponse | undefined;

  afterAll(async () => {
    await alice?.close().catch(() => {});
  });

  it("signs in with the keyboard, approves, and the client redeems the code with PKCE", async () => {
    alice = await browser!.createBrowserContext();
    const page = await newPage(alice);
    const authorization = await newAuthorization();

    const loginResponse = await page.goto(authorization.url);
    expect(loginResponse?.status()).toBe(200);
    expect(await page.$('form[action="/oauth2/login"]')).not.toBeNull();
    await waitFor(() => activeElement(page), (element) => element.id === "username", "focus on the username field");

    await page.keyboard.type("alice");
    await page.keyboard.press("Tab");
    expect(await activeElement(page)).toMatchObject({ tag: "input", id: "password" });
    await page.keyboard.type(PASSWORDS.alice!);
    const consentResponse = await navigating(page, () => page.keyboard.press("Enter"));

    expect(consentResponse.status()).toBe(200);
    expect(await page.$('form[action="/oauth2/consent"]')).not.toBeNull();
    expectConsentPage(await consentText(page), "alice");
    // Allow has the focus: Enter approves.
    await waitFor(() => activeElement(page), (element) => element.value === "approve", "focus on Allow");
    const callbackResponse = await navigating(page, () => page.keyboard.press("Enter"));

    expect(callbackResponse.status()).toBe(200);
    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(callback!.redirectUri);
    expect(callback!.received.at(-1)?.href).toBe(landed.href);
    expect(landed.searchParams.get("state")).toBe(authorization.state);
    expect(landed.searchParams.get("iss")).toBe(server!.url);
    firstCode = landed.searchParams.get("code");
    expect(firstCode).toMatch(/.{16,}/);
    expect(await page.$eval("#status", (element) => element.textContent)).toContain("Signed in");

    firstTokens = await redeem(landed, authorization);
    expect(firstTokens).toMatchObject({ token_type: "bearer", scope: "openid profile", expires_in: 3600 });
    expect(firstTokens.refresh_token).toEqual(expect.any(String));
    expect(oauth.getValidatedIdTokenClaims(firstTokens)).toMatchObject({ iss: server!.url, aud: client.client_id, sub: expect.any(String) });
    expect(JSON.parse(await introspect(firstTokens.access_token))).toMatchObject({
      active: true,
      client_id: client.client_id,
      username: "alice",
      scope: "openid profile",
    });
  });

  it("a second authorization in the same browser needs no login nor consent; its tokens replace the first pair", async () => {
    expect(alice, "runs after the keyboard sign-in test").toBeDefined();
    expect(firstTokens).toBeDefined();
    const page = await newPage(alice!);
    const documents: string[] = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && documents.push(frame.url()));
    const authorization = await newAuthorization();

    const response = await page.goto(authorization.url);

    // Straight back to the client: the authorize request answered with a redirect, no page in between.
    expect(response?.status()).toBe(200);
    const chain = response!.request().redirectChain();
    expect(chain.map((request) => new URL(request.url()).pathname)).toEqual(["/oauth2/authorize"]);
    expect(chain[0]!.response()?.status()).toBe(302);
    expect(documents.map((url) => new URL(url).origin)).toEqual([callback!.origin]);
    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(callback!.redirectUri);
    expect(landed.searchParams.get("state")).toBe(authorization.state);
    expect(landed.searchParams.get("iss")).toBe(server!.url);
    expect(landed.searchParams.get("code")).not.toBe(firstCode);

    const second = await redeem(landed, authorization);
    expect(second.access_token).not.toBe(firstTokens!.access_token);
    expect(second.refresh_token).not.toBe(firstTokens!.refresh_token);
    expect(oauth.getValidatedIdTokenClaims(second)?.sub).toBe(oauth.getValidatedIdTokenClaims(firstTokens!)?.sub);
    // RENEW_TOKEN_PER_REQUEST=true: the new pair revokes the first one.
    expect(await introspect(firstTokens!.access_token)).toBe('{"active":false}');
    expect(await introspect(firstTokens!.refresh_token!, "refresh_token")).toBe('{"active":false}');
    expect(JSON.parse(await introspect(second.access_token))).toMatchObject({ active: true, username: "alice", scope: "openid profile" });
    secondTokens = second;
  });

  it("logging out (OIDC RP-Initiated Logout with the id_token_hint) kills the session's tokens; the next authorization asks for the password", async () => {
    expect(secondTokens?.id_token, "runs after the single sign-on test").toEqual(expect.any(String));
    const page = await newPage(alice!);
    const logout = new URL(`${server!.url}/oidc/logout`);
    logout.searchParams.set("id_token_hint", secondTokens!.id_token!);
    const response = await page.goto(logout.href);
    expect(response?.status()).toBe(200);
    expect(await page.$eval("h1", (element) => element.textContent)).toBe("You are signed out");
    // WSO2's "revoke tokens upon user logout": every token issued through the session is dead.
    expect(await introspect(secondTokens!.access_token)).toBe('{"active":false}');
    expect(await introspect(secondTokens!.refresh_token!, "refresh_token")).toBe('{"active":false}');
    // The session is gone: the next authorization shows the login page again.
    const again = await page.goto((await newAuthorization()).url);
    expect(again?.status()).toBe(200);
    expect(await page.$('form[action="/oauth2/login"]')).not.toBeNull();
  });

  it("the login page does not render inside another site's frame (frame-ancestors 'none')", async () => {
    const context = await browser!.createBrowserContext();
    try {
      const page = await newPage(context);
      const authorization = await newAuthorization();
      await page.goto(`${callback!.origin}/framed?src=${encodeURIComponent(authorization.url)}`);
      const frame = await waitFor(
        async () => page.mainFrame().childFrames()[0],
        (child) => child !== undefined && !["", "about:blank"].includes(child.url()),
        "the framed navigation",
      );
      // Chromium replaces a frame its CSP refuses with its own error page.
      expect(frame!.url()).toMatch(/^chrome-error:/);
      expect(await frame!.$("#username").catch(() => null)).toBeNull();
    } finally {
      await context.close();
    }
  });

  for (const viewport of [DESKTOP, PHONE]) {
    it(`${viewport.name} (${viewport.width}×${viewport.height}): CSP, stylesheet, wrong password alert, HttpOnly session, consent denied; screenshots`, async () => {
      const userName = SCREENSHOT_USER[viewport.name];
      const context = await browser!.createBrowserContext();
      try {
        const page = await newPage(context, viewport);
        const cspReports: string[] = [];
        page.on("console", (message) => /Content Security Policy/i.test(message.text()) && cspReports.push(message.text()));
        const authorization = await newAuthorization();
        const stylesheetResponse = page.waitForResponse((response) => new URL(response.url()).pathname === "/assets/signin.css");

        // The login page: its headers, its stylesheet applied under its CSP, focus on the username.
        const loginResponse = await page.goto(authorization.url);
        expect(loginResponse?.status()).toBe(200);
        const headers = loginResponse!.headers();
        expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
        expect(headers["content-security-policy"]).toContain("style-src 'self'");
        expect(headers["x-frame-options"]).toBe("DENY");
        expect(headers["cache-control"]).toBe("no-store");
        const stylesheet = await stylesheetResponse;
        expect({ status: stylesheet.status(), type: stylesheet.headers()["content-type"] }).toEqual({ status: 200, type: expect.stringMatching(/^text\/css/) });
        expect(await page.evaluate(() => Array.from(document.styleSheets, (sheet) => ({ href: sheet.href, rules: sheet.cssRules.length > 0 })))).toEqual([
          { href: `${server!.url}/assets/signin.css`, rules: true },
        ]);
        expect(await buttonStyle(page)).not.toEqual(await defaultButtonStyle(context));
        expect((await buttonStyle(page)).backgroundColor).toBe("rgb(31, 95, 209)");
        expect(await page.$$eval("label[for]", (labels) => labels.map((label) => label.getAttribute("for")))).toEqual(["username", "password"]);
        await waitFor(() => activeElement(page), (element) => element.id === "username", "focus on the username field");
        await screenshot(page, `login-${viewport.name}`);

        // A wrong password: the same login page again, the message in the alert region.
        await page.keyboard.type(userName);
        await page.keyboard.press("Tab");
        await page.keyboard.type("not-the-password");
        const errorResponse = await navigating(page, () => page.keyboard.press("Enter"));
        expect(errorResponse.status()).toBe(400);
        expect(pathOf(page)).toBe("/oauth2/login");
        expect(await page.$('form[action="/oauth2/login"] input[name="password"]')).not.toBeNull();
        const alert = await page.$eval('[role="alert"]', (element) => ({
          text: element.textContent?.trim() ?? "",
          shown: element.getBoundingClientRect().height > 0,
        }));
        expect(alert).toEqual({ text: "The username or password is incorrect.", shown: true });
        expect(await page.$eval("#username", (input) => (input as HTMLInputElement).value)).toBe(userName);
        expect(await page.$eval("#password", (input) => (input as HTMLInputElement).value)).toBe("");
        await waitFor(() => activeElement(page), (element) => element.id === "password", "focus on the password field");
        await screenshot(page, `login-error-${viewport.name}`);

        // The right password: the consent page, and the session cookie out of the page's reach.
        await page.keyboard.type(PASSWORDS[userName]!);
        const consentResponse = await navigating(page, () => page.keyboard.press("Enter"));
        expect(consentResponse.status()).toBe(200);
        expect(consentResponse.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
        expectConsentPage(await consentText(page), userName);
        const session = (await context.cookies()).find((cookie) => cookie.name === "__Host-session");
        expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
        expect(await page.evaluate(() => document.cookie)).not.toContain("__Host-session");
        await screenshot(page, `consent-${viewport.name}`);

        // Deny, with the mouse (a tap on the phone): back to the client with access_denied.
        const deny = await page.$('button[name="consent"][value="deny"]');
        const deniedResponse = await navigating(page, () => (viewport === PHONE ? deny!.tap() : deny!.click()));
        expect(deniedResponse.status()).toBe(200);
        const landed = new URL(page.url());
        expect(landed.origin + landed.pathname).toBe(callback!.redirectUri);
        expect(Object.fromEntries(landed.searchParams)).toMatchObject({ error: "access_denied", state: authorization.state, iss: server!.url });
        expect(landed.searchParams.has("code")).toBe(false);
        // What the client's library makes of it: the state and issuer check out, the error surfaces.
        expect(() => oauth.validateAuthResponse(as, client, landed, authorization.state)).toThrow(
          expect.objectContaining({ name: "AuthorizationResponseError", error: "access_denied" }),
        );

        expect(cspReports).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});

type ButtonStyle = { backgroundColor: string; color: string; borderRadius: string; width: string };

function buttonStyle(page: Page): Promise<ButtonStyle> {
  return page.$eval('button[type="submit"]', (button) => {
    const style = getComputedStyle(button);
    return { backgroundColor: style.backgroundColor, color: style.color, borderRadius: style.borderRadius, width: style.width };
  });
}

/** How Chromium draws a button without any stylesheet. */
async function defaultButtonStyle(context: BrowserContext): Promise<ButtonStyle> {
  const blank = await context.newPage();
  try {
    await blank.setContent('<!doctype html><html lang="en"><body><form><button type="submit">Sign in</button></form></body></html>');
    return await buttonStyle(blank);
  } finally {
    await blank.close();
  }
}
