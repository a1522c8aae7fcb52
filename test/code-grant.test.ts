import { describe, expect, it } from "vitest";
import {
  authorizeCode,
  authorizeParams,
  codeOf,
  exchangeCode,
  pkce,
  signInAndApprove,
  refreshCodeTokens,
  registerCodeClient,
  TestBrowser,
  newUser,
  type CodeClient,
} from "./helpers/browser";
import { useTestClock } from "./helpers/clock";
import { ADMIN_BASIC, call, form, FORM_TYPE, type Vars } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import { introspect, isActive, registerClient, scim, tokenRequest, type TokenBody } from "./helpers/oauth";

/**
 * SPEC §10 (Code, Tokens) and §5: the authorization code grant with PKCE at the token endpoint
 * (RFC 6749 §4.1.3, RFC 7636 §4.6), its single use and replay rule (RFC 6749 §4.1.2), and the
 * code's key under renewal per request.
 */
const clock = useTestClock();

const RENEW = { RENEW_TOKEN_PER_REQUEST: "true" };
const REUSE = { RENEW_TOKEN_PER_REQUEST: "false" };
const STRONG = { INTROSPECTION_CONSISTENCY: "strong" };
const DCR = "/api/identity/oauth2/dcr/v1.1/register";

type User = Awaited<ReturnType<typeof newUser>>;

function admin(path: string, method: string, body?: unknown) {
  return call(`${DCR}${path}`, {
    method,
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function tokensOf(response: Response): Promise<TokenBody> {
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return response.json<TokenBody>();
}

async function errorOf(response: Response): Promise<{ status: number; error: string }> {
  const body = await response.json<{ error: string }>();
  return { status: response.status, error: body.error };
}

/** A client, a user, a browser signed in, and one code with its verifier. */
async function setup(extra: Record<string, unknown> = {}) {
  const client = await registerCodeClient(extra);
  const user = await newUser();
  const browser = new TestBrowser();
  const first = await authorizeCode(browser, user, client);
  return { client, user, browser, ...first };
}

/** A full flow in `browser` (which may already be signed in) to tokens. */
async function flowTokens(browser: TestBrowser, user: User, client: CodeClient, extra: Record<string, string> = {}, vars: Vars = {}) {
  const { code, verifier } = await authorizeCode(browser, user, client, extra);
  return tokensOf(await exchangeCode(client, code, verifier, {}, vars));
}

async function expectDead(client: CodeClient, issued: TokenBody) {
  expect(await introspect(issued.access_token)).toEqual({ active: false });
  expect(await introspect(issued.access_token, { vars: STRONG })).toEqual({ active: false });
  if (issued.refresh_token) {
    expect(await isActive(issued.refresh_token, {}, "refresh_token")).toBe(false);
    expect(await errorOf(await refreshCodeTokens(client, issued.refresh_token))).toEqual({ status: 400, error: "invalid_grant" });
  }
}

describe("exchanging a code (RFC 6749 §4.1.3, RFC 7636 §4.6)", () => {
  it("the right verifier gets Bearer tokens of the granted scope, with a refresh token for a client registered for refresh_token", async () => {
    const { client, user, code, verifier } = await setup();
    const response = await exchangeCode(client, code, verifier);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await response.json<TokenBody>();
    expect(body).toMatchObject({ token_type: "Bearer", scope: "photos", expires_in: 3600 });
    expect(typeof body.access_token).toBe("string");
    expect(typeof body.refresh_token).toBe("string");

    const info = await introspect(body.access_token);
    expect(info).toMatchObject({ active: true, scope: "photos", client_id: client.id, username: user.userName, token_type: "Bearer" });
    expect(await introspect(body.access_token, { vars: STRONG })).toMatchObject({ active: true });
    expect(await isActive(body.refresh_token!, {}, "refresh_token")).toBe(true);
  });

  it("a client not registered for refresh_token gets no refresh token", async () => {
    const { client, code, verifier } = await setup({ grant_types: ["authorization_code"] });
    const body = await tokensOf(await exchangeCode(client, code, verifier));
    expect(body.refresh_token).toBeUndefined();
    expect(body).toMatchObject({ token_type: "Bearer", scope: "photos" });
    expect(await isActive(body.access_token)).toBe(true);
  });

  it("scopes are normalised: the granted scope is the sorted, de-duplicated request", async () => {
    const client = await registerCodeClient();
    const body = await flowTokens(new TestBrowser(), await newUser(), client, { scope: "b a b" });
    expect(body.scope).toBe("a b");
  });

  it("a confidential code client (client_secret_basic) exchanges its code with its secret, and not without", async () => {
    const client = await registerCodeClient({ token_endpoint_auth_method: "client_secret_basic" });
    expect(client.secret).toEqual(expect.any(String));
    const user = await newUser();
    const { code, verifier } = await authorizeCode(new TestBrowser(), user, client);

    const withoutSecret = await exchangeCode({ ...client, secret: null }, code, verifier);
    expect(withoutSecret.status).toBe(401);
    expect((await withoutSecret.json<{ error: string }>()).error).toBe("invalid_client");
    const wrongSecret = await exchangeCode({ ...client, secret: "not-the-secret" }, code, verifier);
    expect(wrongSecret.status).toBe(401);

    const body = await tokensOf(await exchangeCode(client, code, verifier));
    expect(body).toMatchObject({ token_type: "Bearer", scope: "photos" });
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(await introspect(body.access_token)).toMatchObject({ active: true, client_id: client.id, username: user.userName });
  });
});

describe("what a code is bound to: a refused request leaves the code usable (RFC 6749 §4.1.3)", () => {
  // The server refuses these without spending the code: the right request afterwards still works.
  // (RFC 6749 does not demand that a failed redemption burn the code; §4.1.2 only speaks of a
  // code used more than once.)
  const cases: [string, (c: { client: CodeClient; code: string; verifier: string; other: CodeClient }) => Promise<Response>, number, string][] = [
    ["a wrong code_verifier", ({ client, code }) => exchangeCode(client, code, "x".repeat(43)), 400, "invalid_grant"],
    ["the verifier of another PKCE pair (128 characters)", ({ client, code }) => exchangeCode(client, code, "A".repeat(128)), 400, "invalid_grant"],
    ["a missing code_verifier", ({ client, code }) => callWithout(client, code, "code_verifier"), 400, "invalid_request"],
    ["a missing code", ({ client, verifier }) => callWithout(client, "", "code", verifier), 400, "invalid_request"],
    ["a malformed code_verifier (too short)", ({ client, code }) => exchangeCode(client, code, "short"), 400, "invalid_request"],
    ["another client", ({ other, code, verifier }) => exchangeCode(other, code, verifier), 400, "invalid_grant"],
    ["a different redirect_uri", ({ client, code, verifier }) => exchangeCode(client, code, verifier, { redirect_uri: "https://app.example/other" }), 400, "invalid_grant"],
    ["no redirect_uri when the authorization request had one", ({ client, code, verifier }) => callWithout(client, code, "redirect_uri", verifier), 400, "invalid_grant"],
    ["a code with a character changed", ({ client, code, verifier }) => exchangeCode(client, mutate(code), verifier), 400, "invalid_grant"],
  ];

  for (const [name, bad, status, error] of cases) {
    it(`${name} → ${error}, and the code still works for the right request`, async () => {
      const { client, code, verifier } = await setup();
      const other = await registerCodeClient();
      expect(await errorOf(await bad({ client, code, verifier, other }))).toEqual({ status, error });
      const body = await tokensOf(await exchangeCode(client, code, verifier));
      expect(await isActive(body.access_token)).toBe(true);
    });
  }

  it("a redirect_uri may be left out of the token request when the authorization request left it out (RFC 6749 §4.1.3)", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const { code, verifier } = await authorizeCode(browser, user, client);
    const withoutRedirect = await authorizeWithoutRedirect(browser, user, client);
    const body = await tokensOf(await callWithout(client, withoutRedirect.code, "redirect_uri", withoutRedirect.verifier));
    expect(await isActive(body.access_token)).toBe(true);
    // The first code (its request named the redirect_uri) still needs it.
    expect(await errorOf(await callWithout(client, code, "redirect_uri", verifier))).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("a loopback redirect's port may vary at the authorization request (RFC 8252 §7.3), but the code is bound to the port it was sent to", async () => {
    const client = await registerCodeClient({ redirect_uris: ["http://127.0.0.1/callback"] });
    const user = await newUser();
    const sentTo = "http://127.0.0.1:51004/callback";
    const { code, verifier, redirect } = await authorizeCode(new TestBrowser(), user, client, { redirect_uri: sentTo });
    expect(redirect.origin + redirect.pathname).toBe(sentTo);
    expect(await errorOf(await exchangeCode(client, code, verifier, { redirect_uri: "http://127.0.0.1:51005/callback" }))).toEqual({ status: 400, error: "invalid_grant" });
    expect(await errorOf(await exchangeCode(client, code, verifier, { redirect_uri: "http://127.0.0.1/callback" }))).toEqual({ status: 400, error: "invalid_grant" });
    expect((await exchangeCode(client, code, verifier, { redirect_uri: sentTo })).status).toBe(200);
  });

  it("no client authentication is invalid_client; a client not registered for the grant is unauthorized_client; neither spends the code", async () => {
    const { client, code, verifier } = await setup();
    const params = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: client.redirectUri };
    const anonymous = await call("/oauth2/token", { method: "POST", headers: FORM_TYPE, body: form(params) });
    expect(await errorOf(anonymous)).toEqual({ status: 401, error: "invalid_client" });
    const passwordClient = await registerClient(["password"]);
    expect(await errorOf(await tokenRequest(passwordClient, params))).toEqual({ status: 400, error: "unauthorized_client" });
    expect((await exchangeCode(client, code, verifier)).status).toBe(200);
  });
});

function mutate(code: string): string {
  const last = code.at(-1)!;
  return code.slice(0, -1) + (last === "A" ? "B" : "A");
}

/** The token request of `exchangeCode` without one of its parameters. */
function callWithout(client: CodeClient, code: string, omit: string, verifier = "v".repeat(43)): Promise<Response> {
  const params: Record<string, string> = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: client.redirectUri, client_id: client.id };
  delete params[omit];
  return call("/oauth2/token", { method: "POST", headers: FORM_TYPE, body: form(params) });
}

async function authorizeWithoutRedirect(browser: TestBrowser, user: User, client: CodeClient) {
  const { verifier, challenge } = await pkce();
  const params = authorizeParams(client, challenge);
  delete params.redirect_uri;
  const redirect = await signInAndApprove(browser, user, params);
  expect(redirect.origin + redirect.pathname).toBe(client.redirectUri);
  return { code: codeOf(redirect), verifier };
}

describe("the code's lifetime (AUTHORIZATION_CODE_LIFETIME, injected clock)", () => {
  it("defaults to 300 s: usable just before, invalid_grant at 300 s", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const early = await authorizeCode(browser, user, client);
    const late = await authorizeCode(browser, user, client, { scope: "photos albums" });

    clock.advance(299_000);
    expect((await exchangeCode(client, early.code, early.verifier)).status).toBe(200);
    clock.advance(1_000);
    expect(await errorOf(await exchangeCode(client, late.code, late.verifier))).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("AUTHORIZATION_CODE_LIFETIME=60: the code dies after 60 s", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser({ AUTHORIZATION_CODE_LIFETIME: "60" });
    const early = await authorizeCode(browser, user, client);
    const late = await authorizeCode(browser, user, client, { scope: "photos albums" });

    clock.advance(59_000);
    expect((await exchangeCode(client, early.code, early.verifier)).status).toBe(200);
    clock.advance(1_000);
    expect(await errorOf(await exchangeCode(client, late.code, late.verifier))).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("an expired code is refused without revoking anything issued for the key", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const issued = await flowTokens(browser, user, client);
    const stale = await authorizeCode(browser, user, client);
    clock.advance(301_000);
    expect(await errorOf(await exchangeCode(client, stale.code, stale.verifier))).toEqual({ status: 400, error: "invalid_grant" });
    expect(await isActive(issued.access_token)).toBe(true);
  });
});

describe("replay (RFC 6749 §4.1.2, SPEC §10)", () => {
  it("a second redemption is invalid_grant and revokes the access and refresh token the first gave", async () => {
    const { client, code, verifier } = await setup();
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    expect(await isActive(first.access_token)).toBe(true);

    expect(await errorOf(await exchangeCode(client, code, verifier))).toEqual({ status: 400, error: "invalid_grant" });
    await expectDead(client, first);
  });

  it("a replay after a refresh also revokes the refreshed pair: every token descended from the code (RFC 6749 §4.1.2, SPEC §12)", async () => {
    // RFC 6749 §4.1.2: on a second use the server SHOULD revoke all tokens previously issued based
    // on that authorization code; the refreshed pair descends from it (SPEC §12 "every access and
    // refresh token descended from it").
    const { client, code, verifier } = await setup();
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    const rotated = await tokensOf(await refreshCodeTokens(client, first.refresh_token!));
    expect(await errorOf(await exchangeCode(client, code, verifier))).toEqual({ status: 400, error: "invalid_grant" });
    await expectDead(client, rotated);
  });

  it("renewal off: a replay of a code that was handed back an existing pair revokes that pair", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const first = await authorizeCode(browser, user, client);
    const issued = await tokensOf(await exchangeCode(client, first.code, first.verifier, {}, REUSE));
    const second = await authorizeCode(browser, user, client);
    const handedBack = await tokensOf(await exchangeCode(client, second.code, second.verifier, {}, REUSE));
    expect(handedBack.access_token).toBe(issued.access_token);
    expect(await errorOf(await exchangeCode(client, second.code, second.verifier, {}, REUSE))).toEqual({ status: 400, error: "invalid_grant" });
    await expectDead(client, handedBack);
  });

  it("another client presenting a spent code is refused and revokes nothing", async () => {
    const { client, code, verifier } = await setup();
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    const other = await registerCodeClient();
    expect(await errorOf(await exchangeCode(other, code, verifier))).toEqual({ status: 400, error: "invalid_grant" });
    expect(await isActive(first.access_token)).toBe(true);
  });

  for (const n of [2, 10]) {
    it(`${n} concurrent redemptions of one code → exactly one 200, the rest invalid_grant`, async () => {
      const { client, code, verifier } = await setup();
      const responses = await Promise.all(Array.from({ length: n }, () => exchangeCode(client, code, verifier)));
      const ok = responses.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const refused of responses.filter((r) => r.status !== 200)) {
        expect(await errorOf(refused)).toEqual({ status: 400, error: "invalid_grant" });
      }
      // The losers were replays of a redeemed code: the winner's tokens die with them (the replay
      // rule applies to a concurrent second redemption as well).
      const winner = await ok[0]!.json<TokenBody>();
      await expectDead(client, winner);
    });
  }
});

describe("renewal per request on the code's key (SPEC §10, §5.2)", () => {
  it("RENEW_TOKEN_PER_REQUEST=true (shipped default): a second authorization of the same user, client and scopes revokes the first pair", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const first = await flowTokens(browser, user, client);
    const second = await flowTokens(browser, user, client);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expectDead(client, first);
    expect(await isActive(second.access_token)).toBe(true);
    expect(await isActive(second.refresh_token!, {}, "refresh_token")).toBe(true);
  });

  it("the same with RENEW_TOKEN_PER_REQUEST passed explicitly as true", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser(RENEW);
    const first = await flowTokens(browser, user, client, {}, RENEW);
    const second = await flowTokens(browser, user, client, {}, RENEW);
    expect(second.access_token).not.toBe(first.access_token);
    await expectDead(client, first);
  });

  it('RENEW_TOKEN_PER_REQUEST="false": a second authorization gets the same pair back, with whole seconds left', async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser(REUSE);
    const first = await flowTokens(browser, user, client, {}, REUSE);
    clock.advance(10_500);
    const second = await flowTokens(browser, user, client, {}, REUSE);
    expect(second.access_token).toBe(first.access_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(second.expires_in).toBe(3589);
    expect(await isActive(first.access_token)).toBe(true);
  });

  it("a password grant token of the same key is returned to a code exchange with renewal off (the grant type is not part of the key)", async () => {
    // A confidential client registered for both grants; the key is (client, user, scope).
    const client = await registerCodeClient({ token_endpoint_auth_method: "client_secret_basic", grant_types: ["authorization_code", "password", "refresh_token"] });
    const user = await newUser();
    const password = await tokensOf(
      await call(
        "/oauth2/token",
        {
          method: "POST",
          headers: { Authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}`, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "password", username: user.userName, password: user.password, scope: "photos" }).toString(),
        },
        REUSE,
      ),
    );
    const viaCode = await flowTokens(new TestBrowser(REUSE), user, client, {}, REUSE);
    expect(viaCode.access_token).toBe(password.access_token);
  });

  it("renewal on: five codes of one key redeemed at once all succeed, and exactly one pair stays active (SPEC §2)", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const codes = [];
    for (let i = 0; i < 5; i += 1) codes.push(await authorizeCode(browser, user, client));
    const results = await Promise.all(codes.map(({ code, verifier }) => exchangeCode(client, code, verifier).then(tokensOf)));
    expect(new Set(results.map((r) => r.access_token)).size).toBe(5);
    const active = await Promise.all(results.map((r) => isActive(r.access_token)));
    expect(active.filter(Boolean)).toHaveLength(1);
    const survivor = results[active.indexOf(true)]!;
    expect(await isActive(survivor.refresh_token!, {}, "refresh_token")).toBe(true);
    const liveRefresh = await Promise.all(results.map((r) => isActive(r.refresh_token!, {}, "refresh_token")));
    expect(liveRefresh.filter(Boolean)).toHaveLength(1);
  });

  it("renewal off: five codes of one key redeemed at once all get the same pair", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const codes = [];
    for (let i = 0; i < 5; i += 1) codes.push(await authorizeCode(browser, user, client));
    const results = await Promise.all(codes.map(({ code, verifier }) => exchangeCode(client, code, verifier, {}, REUSE).then(tokensOf)));
    expect(new Set(results.map((r) => r.access_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.refresh_token)).size).toBe(1);
    expect(await isActive(results[0]!.access_token)).toBe(true);
  });

  it("a different scope is another key: it leaves the first pair alive", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const photos = await flowTokens(browser, user, client, { scope: "photos" });
    const albums = await flowTokens(browser, user, client, { scope: "albums photos" });
    expect(albums.scope).toBe("albums photos");
    expect(await isActive(photos.access_token)).toBe(true);
    expect(await isActive(photos.refresh_token!, {}, "refresh_token")).toBe(true);
    expect(await isActive(albums.access_token)).toBe(true);
  });

  it("another user of the same client and scopes is another key", async () => {
    const client = await registerCodeClient();
    const alice = await flowTokens(new TestBrowser(), await newUser(), client);
    const bob = await flowTokens(new TestBrowser(), await newUser(), client);
    expect(await isActive(alice.access_token)).toBe(true);
    expect(await isActive(bob.access_token)).toBe(true);
  });

  it("a confidential code client (client_secret_basic): renewal on revokes the first pair, renewal off returns it", async () => {
    const client = await registerCodeClient({ token_endpoint_auth_method: "client_secret_basic" });
    const user = await newUser();
    const browser = new TestBrowser();
    const first = await flowTokens(browser, user, client);
    const second = await flowTokens(browser, user, client);
    await expectDead(client, first);
    const third = await flowTokens(browser, user, client, {}, REUSE);
    expect(third.access_token).toBe(second.access_token);
    expect(third.refresh_token).toBe(second.refresh_token);
  });
});

describe("refresh tokens of code clients (SPEC §10, RFC 9700 §4.14.2)", () => {
  it("a public client's refresh token rotates even with RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT=false; the old one is then invalid_grant", async () => {
    const { client, code, verifier } = await setup();
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    const NO_ROTATION = { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "false" };
    const refreshed = await tokensOf(await refreshCodeTokens(client, first.refresh_token!, {}, NO_ROTATION));
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(first.refresh_token!, {}, "refresh_token")).toBe(false);
    expect(await isActive(refreshed.access_token)).toBe(true);
    // The new one works, and rotates again.
    const again = await tokensOf(await refreshCodeTokens(client, refreshed.refresh_token!, {}, NO_ROTATION));
    expect(again.refresh_token).not.toBe(refreshed.refresh_token);
    // The rotated-away token is invalid_grant; SPEC §12 (reuse detection, REFRESH_TOKEN_REUSE_INTERVAL
    // 0) then revokes the whole grant it belonged to, the latest pair included.
    expect(await errorOf(await refreshCodeTokens(client, first.refresh_token!, {}, NO_ROTATION))).toEqual({ status: 400, error: "invalid_grant" });
    await expectDead(client, again);
  });

  it("a public client's refresh token rotates with the default setting too", async () => {
    const { client, code, verifier } = await setup();
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    const refreshed = await tokensOf(await refreshCodeTokens(client, first.refresh_token!));
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(await errorOf(await refreshCodeTokens(client, first.refresh_token!))).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("a confidential client's refresh token follows RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: false keeps it, true rotates it", async () => {
    const { client, code, verifier } = await setup({ token_endpoint_auth_method: "client_secret_basic" });
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    const kept = await tokensOf(await refreshCodeTokens(client, first.refresh_token!, {}, { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "false" }));
    expect(kept.refresh_token).toBe(first.refresh_token);
    expect(kept.access_token).not.toBe(first.access_token);
    expect(await isActive(first.access_token)).toBe(false);

    const rotated = await tokensOf(await refreshCodeTokens(client, first.refresh_token!, {}, { RENEW_REFRESH_TOKEN_FOR_REFRESH_GRANT: "true" }));
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    expect(await errorOf(await refreshCodeTokens(client, first.refresh_token!))).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("a refresh token of a code client is bound to it: another client gets invalid_grant", async () => {
    const { client, code, verifier } = await setup();
    const first = await tokensOf(await exchangeCode(client, code, verifier));
    const other = await registerCodeClient();
    expect(await errorOf(await refreshCodeTokens(other, first.refresh_token!))).toEqual({ status: 400, error: "invalid_grant" });
    expect(await isActive(first.refresh_token!, {}, "refresh_token")).toBe(true);
  });
});

describe("a code's tokens and the client's registration", () => {
  it("die when the client's secret is rotated", async () => {
    const { client, code, verifier } = await setup({ token_endpoint_auth_method: "client_secret_basic" });
    const issued = await tokensOf(await exchangeCode(client, code, verifier));
    const rotated = await admin(`/${client.id}/secret`, "POST");
    expect(rotated.status).toBe(200);
    const { client_secret } = await rotated.json<{ client_secret: string }>();
    expect(await introspect(issued.access_token)).toEqual({ active: false });
    expect(await introspect(issued.access_token, { vars: STRONG })).toEqual({ active: false });
    expect(await isActive(issued.refresh_token!, {}, "refresh_token")).toBe(false);
    expect(await errorOf(await refreshCodeTokens({ ...client, secret: client_secret }, issued.refresh_token!))).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("a code issued before a secret rotation is redeemed with the new secret (not the old one), and its tokens live", async () => {
    const client = await registerCodeClient({ token_endpoint_auth_method: "client_secret_basic" });
    const user = await newUser();
    const { code, verifier } = await authorizeCode(new TestBrowser(), user, client);
    const rotated = await admin(`/${client.id}/secret`, "POST");
    const { client_secret } = await rotated.json<{ client_secret: string }>();
    // The old secret no longer authenticates.
    expect((await exchangeCode(client, code, verifier)).status).toBe(401);
    // The code is bound to the client, not to one of its secrets: the new secret redeems it, and
    // what it gives is not killed by the rotation that came before it.
    const issued = await tokensOf(await exchangeCode({ ...client, secret: client_secret }, code, verifier));
    expect(await isActive(issued.access_token)).toBe(true);
    expect(await isActive(issued.access_token, STRONG)).toBe(true);
  });

  it("die when the client is deleted, and its code can no longer be redeemed", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const issued = await flowTokens(browser, user, client);
    const pending = await authorizeCode(browser, user, client, { scope: "albums" });
    expect((await admin(`/${client.id}`, "DELETE")).status).toBe(204);
    await expectDeadAfterDelete(issued);
    expect(await errorOf(await exchangeCode(client, pending.code, pending.verifier))).toEqual({ status: 401, error: "invalid_client" });
  });
});

async function expectDeadAfterDelete(issued: TokenBody) {
  expect(await introspect(issued.access_token)).toEqual({ active: false });
  expect(await introspect(issued.access_token, { vars: STRONG })).toEqual({ active: false });
  expect(await isActive(issued.refresh_token!, {}, "refresh_token")).toBe(false);
}

describe("a code is bound to the user as they were at login", () => {
  const changes: [string, (id: string) => Promise<Response>][] = [
    ["changes password", (id) => scim(`/${id}`, "PATCH", { Operations: [{ op: "replace", path: "password", value: "another password" }] })],
    ["is deactivated", (id) => scim(`/${id}`, "PATCH", { Operations: [{ op: "replace", path: "active", value: false }] })],
    ["is deleted", (id) => scim(`/${id}`, "DELETE")],
  ];
  for (const [name, change] of changes) {
    it(`a code issued before the user ${name} is invalid_grant`, async () => {
      const client = await registerCodeClient();
      const user = await newUser();
      const browser = new TestBrowser();
      const issued = await flowTokens(browser, user, client); // the key's grant object is indexed
      const pending = await authorizeCode(browser, user, client);
      const fresh = await authorizeCode(browser, user, client, { scope: "albums" }); // a key with no token yet
      expect((await change(user.id)).status).toBeLessThan(300);
      expect(await errorOf(await exchangeCode(client, pending.code, pending.verifier))).toEqual({ status: 400, error: "invalid_grant" });
      expect(await errorOf(await exchangeCode(client, fresh.code, fresh.verifier))).toEqual({ status: 400, error: "invalid_grant" });
      expect(await isActive(issued.access_token)).toBe(false);
    });
  }
});

describe("KV writes of a code flow (SPEC §6: once per key)", () => {
  it("every TOKEN_STATUS key is written at most once through authorize, exchange, renewal, refresh and replay", async () => {
    const { kv } = recordKv("TOKEN_STATUS");
    const client = await registerCodeClient();
    const user = await newUser();
    const browser = new TestBrowser();
    const first = await authorizeCode(browser, user, client);
    const issued = await tokensOf(await exchangeCode(client, first.code, first.verifier));
    const renewed = await flowTokens(browser, user, client); // revokes the first pair
    const refreshed = await tokensOf(await refreshCodeTokens(client, renewed.refresh_token!)); // rotates
    expect((await exchangeCode(client, first.code, first.verifier)).status).toBe(400); // replay of a code whose tokens are already revoked
    const again = await authorizeCode(browser, user, client);
    await tokensOf(await exchangeCode(client, again.code, again.verifier));
    expect((await exchangeCode(client, again.code, again.verifier)).status).toBe(400); // replay revokes the live pair
    // Renewal revoked the first pair, then the refreshed one; the replay revoked the last pair.
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await isActive(refreshed.access_token)).toBe(false);

    // 4 pairs issued (8 token records) and 3 pairs revoked (6 revocation records), at least.
    expect(kv.puts.size).toBeGreaterThanOrEqual(14);
    const rewritten = [...kv.puts].filter(([, count]) => count > 1);
    expect(rewritten).toEqual([]);
  });
});
