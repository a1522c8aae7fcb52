// What the product's scenarios need before the timed runs, made through its public HTTP API only:
// clients (DCR), a SCIM user, tokens to introspect, refresh tokens to seed refresh chains, and
// authorization codes minted through the real login flow (authorize → login → consent, then
// authorize again with the session cookie for each further code).
import { createHash, randomBytes } from "node:crypto";

export const FORM = "application/x-www-form-urlencoded";
export const ADMIN_BASIC = `Basic ${Buffer.from("admin:admin").toString("base64")}`;
export const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
export const REDIRECT_URI = "https://app.example/callback";

async function expectJson(response, status, what) {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function registerClient(url, metadata) {
  const response = await fetch(`${url}/api/identity/oauth2/dcr/v1.1/register`, {
    method: "POST",
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "bench", ...metadata }),
  });
  const body = await expectJson(response, 201, "client registration");
  return { id: body.client_id, secret: body.client_secret ?? null, authorization: body.client_secret ? basic(body.client_id, body.client_secret) : null };
}

export async function createScimUser(url, userName, password) {
  const response = await fetch(`${url}/scim2/Users`, {
    method: "POST",
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, password }),
  });
  return (await expectJson(response, 201, "SCIM user creation")).id;
}

export async function tokenRequest(url, authorization, params) {
  const headers = { "Content-Type": FORM, ...(authorization ? { Authorization: authorization } : {}) };
  const response = await fetch(`${url}/oauth2/token`, { method: "POST", headers, body: new URLSearchParams(params).toString() });
  return expectJson(response, 200, `token request (${params.grant_type})`);
}

export async function introspect(url, authorization, token) {
  const response = await fetch(`${url}/oauth2/introspect`, {
    method: "POST",
    headers: { Authorization: authorization, "Content-Type": FORM },
    body: new URLSearchParams({ token }).toString(),
  });
  return expectJson(response, 200, "introspection");
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; returns the results. */
export async function pool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** A cookie jar over fetch, redirects not followed: the browser of the code flow. */
class Browser {
  cookies = new Map();

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([n, v]) => `${n}=${v}`).join("; "));
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Posts the page's form with its hidden fields plus `fields`. */
  async submit(base, html, fields) {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
    const hidden = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) hidden[m[1]] = decodeEntities(m[2]);
    return this.request(new URL(action, base).href, { method: "POST", headers: { "Content-Type": FORM }, body: new URLSearchParams({ ...hidden, ...fields }).toString() });
  }
}

function decodeEntities(text) {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

/**
 * The code flow's browser side for one user and one public client: logs in and approves once,
 * then mints codes (each a GET /oauth2/authorize with the session cookie: consent is remembered).
 * All codes share one PKCE pair, so a token request differs from the next by its code alone.
 */
export async function codeFlow(url, client, user, scope) {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  const browser = new Browser();
  const query = new URLSearchParams({
    response_type: "code",
    client_id: client.id,
    redirect_uri: REDIRECT_URI,
    scope,
    state: "bench",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const authorizeUrl = `${url}/oauth2/authorize?${query}`;
  const codeOf = (response) => {
    const location = response.headers.get("Location");
    if (response.status !== 302 && response.status !== 303) throw new Error(`expected a redirect with a code, got ${response.status}`);
    const code = new URL(location).searchParams.get("code");
    if (!code) throw new Error(`no code in ${location}`);
    return code;
  };

  let page = await browser.request(authorizeUrl);
  let html = await page.text();
  if (!html.includes('name="password"')) throw new Error(`expected the login page, got ${page.status}`);
  page = await browser.submit(url, html, { username: user.userName, password: user.password });
  if (page.status === 200) {
    html = await page.text();
    if (!html.includes('name="consent"')) throw new Error(`expected the consent page: ${html.slice(0, 200)}`);
    page = await browser.submit(url, html, { consent: "approve" });
  }
  const first = codeOf(page);

  return {
    verifier,
    first,
    /** `count` more codes, `concurrency` authorize requests at once; returns them and the rate. */
    async mint(count, concurrency = 8) {
      const started = performance.now();
      const codes = await pool(count, concurrency, async () => codeOf(await browser.request(authorizeUrl)));
      return { codes, rps: count / ((performance.now() - started) / 1000) };
    },
    tokenBody: (code) => new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: client.id }).toString(),
  };
}
