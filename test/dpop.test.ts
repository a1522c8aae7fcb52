import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { authorizeParams, exchangeCode, newUser, pkce, registerCodeClient, signInAndApprove, TestBrowser } from "./helpers/browser";
import { useTestClock } from "./helpers/clock";
import { call, FORM_TYPE, form, ORIGIN, type Vars } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import { introspect, isActive, passwordParams, registerClient, token, type TestClient } from "./helpers/oauth";

const TOKEN_URL = `${ORIGIN}/oauth2/token`;
const as: oauth.AuthorizationServer = { issuer: ORIGIN, token_endpoint: TOKEN_URL, userinfo_endpoint: `${ORIGIN}/oauth2/userinfo` };

/** Every request oauth4webapi makes goes through the Worker; the DPoP headers it sent are kept. */
function through(vars: Vars = {}) {
  const sent: string[] = [];
  const fetchImpl = (url: string, init: RequestInit) => {
    const proof = new Headers(init.headers).get("DPoP");
    if (proof) sent.push(proof);
    const { pathname, search } = new URL(url);
    return call(`${pathname}${search}`, init, vars);
  };
  return { sent, options: { [oauth.customFetch]: fetchImpl } };
}

async function dpopKey() {
  const keyPair = await oauth.generateKeyPair("ES256", { extractable: true });
  const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
  return { keyPair, jkt };
}

/** A token request of the password grant with a DPoP proof, through oauth4webapi's DPoP() handle. */
async function boundPasswordToken(client: TestClient, keyPair: CryptoKeyPair, scope: string, vars: Vars = {}) {
  const rp: oauth.Client = { client_id: client.id };
  const { options } = through(vars);
  const handle = oauth.DPoP(rp, keyPair);
  const request = () =>
    oauth.genericTokenEndpointRequest(as, rp, oauth.ClientSecretBasic(client.secret), "password", { username: "admin", password: "admin", scope }, { DPoP: handle, ...options });
  let response = await request();
  if (response.status === 400 && response.headers.get("DPoP-Nonce")) {
    await response.clone().text();
    try {
      await oauth.processGenericTokenEndpointResponse(as, rp, response);
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
    }
    response = await request(); // the handle learned the nonce
  }
  return oauth.processGenericTokenEndpointResponse(as, rp, response);
}

/** A hand-made proof, to get every field wrong in turn. */
async function proof(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ htm: "POST", htu: TOKEN_URL, iat, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk, ...header })
    .sign(privateKey);
}

function rawTokenRequest(client: TestClient, params: Record<string, string>, dpop: string) {
  return call("/oauth2/token", { method: "POST", headers: { Authorization: client.authorization, ...FORM_TYPE, DPoP: dpop }, body: form(params) });
}

describe("DPoP at the token endpoint (RFC 9449, SPEC §13)", () => {
  it("client_credentials with oauth4webapi's DPoP handle: token_type DPoP, cnf.jkt in introspection and in the JWT", async () => {
    const client = await registerClient(["client_credentials"], { access_token_format: "jwt" });
    const { keyPair, jkt } = await dpopKey();
    const rp: oauth.Client = { client_id: client.id };
    const { options } = through();
    const response = await oauth.clientCredentialsGrantRequest(as, rp, oauth.ClientSecretBasic(client.secret), new URLSearchParams({ scope: "api" }), {
      DPoP: oauth.DPoP(rp, keyPair),
      ...options,
    });
    const result = await oauth.processClientCredentialsResponse(as, rp, response);
    expect(result.token_type).toBe("dpop");
    expect(decodeJwt(result.access_token).cnf).toEqual({ jkt });
    expect(await introspect(result.access_token)).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt } });
  });

  it("the binding is part of the renewal key: one user on two devices keeps one live token per device", async () => {
    const client = await registerClient();
    const phone = await dpopKey();
    const laptop = await dpopKey();
    const phone1 = await boundPasswordToken(client, phone.keyPair, "mail");
    const laptop1 = await boundPasswordToken(client, laptop.keyPair, "mail");
    expect(await isActive(phone1.access_token)).toBe(true);
    expect(await isActive(laptop1.access_token)).toBe(true);
    // Renewal per request (on in wrangler.toml) renews only the same binding.
    const phone2 = await boundPasswordToken(client, phone.keyPair, "mail");
    expect(await isActive(phone1.access_token)).toBe(false);
    expect(await isActive(phone2.access_token)).toBe(true);
    expect(await isActive(laptop1.access_token)).toBe(true);
    // A bearer request never revokes a bound token, and the other way round.
    const bearer = await token(client, passwordParams("mail"));
    expect(await isActive(phone2.access_token)).toBe(true);
    await boundPasswordToken(client, laptop.keyPair, "mail");
    expect(await isActive(bearer.access_token)).toBe(true);
  });

  it("refuses a replayed proof (jti), decided by the key's Durable Object", async () => {
    const client = await registerClient(["client_credentials"]);
    const dpop = await proof({});
    expect((await rawTokenRequest(client, { grant_type: "client_credentials" }, dpop)).status).toBe(200);
    const replay = await rawTokenRequest(client, { grant_type: "client_credentials" }, dpop);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_dpop_proof" });
  });

  const bad: [string, () => Promise<string>][] = [
    ["a wrong htm", () => proof({ htm: "GET" })],
    ["a wrong htu", () => proof({ htu: `${ORIGIN}/oauth2/introspect` })],
    ["an old iat", () => proof({ iat: Math.floor(Date.now() / 1000) - 300 })],
    ["no jti", () => proof({ jti: undefined })],
    ["the wrong typ", () => proof({}, { typ: "JWT" })],
    ["a symmetric algorithm", async () => new SignJWT({ htm: "POST", htu: TOKEN_URL, iat: Math.floor(Date.now() / 1000), jti: "0123456789" }).setProtectedHeader({ alg: "HS256", typ: "dpop+jwt" }).sign(new Uint8Array(32))],
    ["not a JWT", async () => "not-a-proof"],
  ];
  for (const [name, make] of bad) {
    it(`refuses a proof with ${name}: invalid_dpop_proof, no token`, async () => {
      const client = await registerClient(["client_credentials"]);
      const kv = recordKv("TOKEN_STATUS");
      const response = await rawTokenRequest(client, { grant_type: "client_credentials" }, await make());
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_dpop_proof" });
      expect(kv.kv.puts.size).toBe(0);
    });
  }

  it("accepts the htu without query or fragment", async () => {
    const client = await registerClient(["client_credentials"]);
    expect((await rawTokenRequest(client, { grant_type: "client_credentials" }, await proof({ htu: `${TOKEN_URL}?x=1#y` }))).status).toBe(200);
  });

  it("a client registered with dpop_bound_access_tokens gets no bearer token", async () => {
    const client = await registerClient(["client_credentials"], { dpop_bound_access_tokens: true });
    const response = await call("/oauth2/token", { method: "POST", headers: { Authorization: client.authorization, ...FORM_TYPE }, body: "grant_type=client_credentials" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
    expect((await rawTokenRequest(client, { grant_type: "client_credentials" }, await proof({}))).status).toBe(200);
  });

  it("DPOP_NONCE_REQUIRED: the first proof gets use_dpop_nonce with a DPoP-Nonce; oauth4webapi retries with it", async () => {
    const vars = { DPOP_NONCE_REQUIRED: "true" };
    const client = await registerClient();
    const first = await call("/oauth2/token", { method: "POST", headers: { Authorization: client.authorization, ...FORM_TYPE, DPoP: await proof({}) }, body: form(passwordParams("n")) }, vars);
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ error: "use_dpop_nonce" });
    expect(first.headers.get("DPoP-Nonce")).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const { keyPair } = await dpopKey();
    const bound = await boundPasswordToken(client, keyPair, "n", vars);
    expect(bound.token_type).toBe("dpop");
  });

  it("a bound grant refreshes only with its own key; KV keys stay written once", async () => {
    const kv = recordKv("TOKEN_STATUS");
    const client = await registerClient();
    const { keyPair } = await dpopKey();
    const other = await dpopKey();
    const issued = await boundPasswordToken(client, keyPair, "refresh-bound");
    const rp: oauth.Client = { client_id: client.id };
    const { options } = through();
    const refresh = (pair: CryptoKeyPair | null) =>
      oauth.refreshTokenGrantRequest(as, rp, oauth.ClientSecretBasic(client.secret), issued.refresh_token!, { ...(pair ? { DPoP: oauth.DPoP(rp, pair) } : {}), ...options });
    const noProof = await refresh(null);
    expect(noProof.status).toBe(400);
    expect(await noProof.json()).toMatchObject({ error: "invalid_dpop_proof" });
    expect((await refresh(other.keyPair)).status).toBe(400);
    const ok = await oauth.processRefreshTokenResponse(as, rp, await refresh(keyPair));
    expect(ok.token_type).toBe("dpop");
    expect(Math.max(...kv.kv.puts.values())).toBe(1);
  });
});

describe("DPoP on the code flow and userinfo (RFC 9449 §7, §10)", () => {
  useTestClock();

  it("a code bound with dpop_jkt gives DPoP tokens for that key only; userinfo takes them with the DPoP scheme and ath", async () => {
    const client = await registerCodeClient();
    const user = await newUser();
    const { keyPair, jkt } = await dpopKey();
    const { verifier, challenge } = await pkce();
    const back = await signInAndApprove(new TestBrowser(), user, authorizeParams(client, challenge, { scope: "openid", dpop_jkt: jkt }));
    const code = back.searchParams.get("code")!;
    // Without a proof, or with another key: refused, and the code is not spent.
    expect(await (await exchangeCode(client, code, verifier)).json()).toMatchObject({ error: "invalid_dpop_proof" });
    const rp: oauth.Client = { client_id: client.id };
    const { options } = through();
    const response = await oauth.authorizationCodeGrantRequest(as, rp, oauth.None(), oauth.validateAuthResponse(as, rp, back, "state-123"), client.redirectUri, verifier, { DPoP: oauth.DPoP(rp, keyPair), ...options });
    const body = await response.json<{ access_token: string; token_type: string }>();
    expect(body.token_type).toBe("DPoP");
    const info = await oauth.userInfoRequest(as, rp, body.access_token, { DPoP: oauth.DPoP(rp, keyPair), ...options });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ sub: user.id });
    const asBearer = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${body.access_token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get("WWW-Authenticate")).toMatch(/^DPoP /);
  });
});
