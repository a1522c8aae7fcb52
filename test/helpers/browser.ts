import { ADMIN_BASIC, call, form, FORM_TYPE, type Vars } from "./http";
import { createUser, uniqueName } from "./oauth";
import { base64url } from "./reference";

/**
 * A browser for the Workers tests: a cookie jar, and the steps of the authorization code flow
 * (authorize → login page → consent page → redirect), driven over the Worker's fetch handler.
 * The real-browser test (test/e2e) drives the same pages with Chromium.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly vars: Vars = {}) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await call(path, { ...init, headers, redirect: "manual" }, this.vars);
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  authorize(params: Record<string, string>): Promise<Response> {
    return this.request(`/oauth2/authorize?${new URLSearchParams(params)}`);
  }

  /** Submits the page's form (login or consent) with the hidden fields plus `fields`. */
  async submit(page: Response | string, fields: Record<string, string>): Promise<Response> {
    const html = typeof page === "string" ? page : await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
    return this.request(action, { method: "POST", headers: FORM_TYPE, body: form({ ...hiddenFields(html), ...fields }) });
  }
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[match[1]!] = decodeEntities(match[2]!);
  return fields;
}

function decodeEntities(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** A PKCE pair (RFC 7636): a random verifier and its S256 challenge. */
export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

export const REDIRECT_URI = "https://app.example/callback";

export interface CodeClient {
  id: string;
  secret: string | null;
  redirectUri: string;
}

/** Registers a client of the code flow: public unless `secret` is asked for. */
export async function registerCodeClient(extra: Record<string, unknown> = {}): Promise<CodeClient> {
  const body = {
    client_name: "Photo Album",
    grant_types: ["authorization_code", "refresh_token"],
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: "none",
    ...extra,
  };
  const response = await call("/api/identity/oauth2/dcr/v1.1/register", {
    method: "POST",
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const registered = await response.json<{ client_id: string; client_secret?: string; redirect_uris: string[] }>();
  return { id: registered.client_id, secret: registered.client_secret ?? null, redirectUri: registered.redirect_uris[0]! };
}

/** A SCIM user with a known password. */
export async function newUser(): Promise<{ userName: string; password: string; id: string }> {
  const userName = uniqueName("reader");
  const password = "correct horse battery";
  return { userName, password, id: await createUser(userName, password) };
}

export function authorizeParams(client: CodeClient, challenge: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: "code",
    client_id: client.id,
    redirect_uri: client.redirectUri,
    scope: "photos",
    state: "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  };
}

/** The query of a redirect answer (302/303 to the client). */
export function redirectedTo(response: Response): URL {
  const location = response.headers.get("Location");
  if (response.status !== 302 && response.status !== 303) throw new Error(`expected a redirect, got ${response.status}`);
  if (!location) throw new Error("redirect without Location");
  return new URL(location);
}

/** The code flow to its end: authorize, log in, approve; returns the redirect. */
export async function signInAndApprove(
  browser: TestBrowser,
  user: { userName: string; password: string },
  params: Record<string, string>,
): Promise<URL> {
  let page = await browser.authorize(params);
  if (page.status === 200 && (await page.clone().text()).includes('name="password"')) {
    page = await browser.submit(page, { username: user.userName, password: user.password });
  }
  if (page.status === 200 && (await page.clone().text()).includes('name="consent"')) {
    page = await browser.submit(page, { consent: "approve" });
  }
  return redirectedTo(page);
}

/** The token request of the code flow (public client: client_id in the body). */
export function exchangeCode(client: CodeClient, code: string, verifier: string, extra: Record<string, string> = {}, vars: Vars = {}): Promise<Response> {
  const params = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: client.redirectUri, ...extra };
  const headers: Record<string, string> = { ...FORM_TYPE };
  if (client.secret) headers.Authorization = `Basic ${btoa(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`)}`;
  else (params as Record<string, string>).client_id = client.id;
  return call("/oauth2/token", { method: "POST", headers, body: form(params) }, vars);
}

/** What a response of the authorization flow shows: the login page, the consent page, a redirect, or something else. */
export type FlowPage = "login" | "consent" | "redirect" | "other";

export async function pageOf(response: Response): Promise<FlowPage> {
  if (response.status === 302 || response.status === 303) return "redirect";
  if (!(response.headers.get("Content-Type") ?? "").startsWith("text/html")) return "other";
  const html = await response.clone().text();
  if (html.includes('action="/oauth2/login"') && html.includes('name="password"')) return "login";
  if (html.includes('action="/oauth2/consent"') && html.includes('name="consent"')) return "consent";
  return "other";
}

/** Logs in on a login page that must be the response; returns the next response. */
export async function logIn(browser: TestBrowser, page: Response, user: { userName: string; password: string }): Promise<Response> {
  if ((await pageOf(page)) !== "login") throw new Error(`expected the login page, got ${page.status} ${(await page.clone().text()).slice(0, 200)}`);
  return browser.submit(page, { username: user.userName, password: user.password });
}

/** The authorization code of a successful redirect back to the client (it must carry no error). */
export function codeOf(url: URL): string {
  const code = url.searchParams.get("code");
  if (!code) throw new Error(`no code in the redirect: ${url.href}`);
  return code;
}

/** A fresh PKCE pair, the flow through login and consent, and the code it ends with. */
export async function authorizeCode(
  browser: TestBrowser,
  user: { userName: string; password: string },
  client: CodeClient,
  extra: Record<string, string> = {},
): Promise<{ code: string; verifier: string; redirect: URL }> {
  const { verifier, challenge } = await pkce();
  const redirect = await signInAndApprove(browser, user, authorizeParams(client, challenge, extra));
  return { code: codeOf(redirect), verifier, redirect };
}

/** A refresh grant request of a code client (public: client_id in the body; confidential: Basic). */
export function refreshCodeTokens(client: CodeClient, refreshToken: string, extra: Record<string, string> = {}, vars: Vars = {}): Promise<Response> {
  const params: Record<string, string> = { grant_type: "refresh_token", refresh_token: refreshToken, ...extra };
  const headers: Record<string, string> = { ...FORM_TYPE };
  if (client.secret) headers.Authorization = `Basic ${btoa(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`)}`;
  else params.client_id = client.id;
  return call("/oauth2/token", { method: "POST", headers, body: form(params) }, vars);
}
