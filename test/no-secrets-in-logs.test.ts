import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { RegistryObject } from "../src/registry/registry-object";
import { authorizeCode, exchangeCode, refreshCodeTokens, TestBrowser, type CodeClient } from "./helpers/browser";
import { basic, call, form, FORM_TYPE, type Vars } from "./helpers/http";
import { grantStub, recordKv } from "./helpers/kv";
import { bindings, uniqueName } from "./helpers/oauth";

/**
 * Issue 12, "secrets never in logs": everything the Worker and its Durable Objects write to the
 * console during a full scenario — registration, every grant, introspection, revocation, secret
 * and signing-key rotation, SCIM, failing requests of each kind, a KV outage, a registry outage —
 * is searched for every secret, password, token, code, cookie and code_verifier the scenario used.
 */

const METHODS = ["log", "error", "warn", "info", "debug", "trace"] as const;
const random = (prefix: string) => `${prefix}-${crypto.randomUUID()}${crypto.randomUUID().slice(0, 8)}`;

/** Every console call of the isolate (the Worker's and the Durable Objects' alike), as text. */
function captureConsole(): { output: string[]; restore(): void } {
  const output: string[] = [];
  const spies = METHODS.map((method) => vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(`${method}: ${args.map(text).join(" ")}`)));
  return { output, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

function text(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message} ${value.stack ?? ""} ${text((value as { cause?: unknown }).cause ?? "")}`;
  if (typeof value === "string") return value;
  try {
    return `${String(value)} ${JSON.stringify(value)}`;
  } catch {
    return String(value);
  }
}

/** The secrets found in `output`: whole, or any 16 characters of a long one (a truncated log line). */
function leaks(output: readonly string[], secrets: ReadonlyMap<string, string>): string[] {
  const all = output.join("\n");
  const found: string[] = [];
  for (const [secret, label] of secrets) {
    // A JWT's header is public (alg, kid, typ): only its payload and signature count.
    const parts = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(secret) ? secret.split(".").slice(1) : [secret];
    const windows = parts.flatMap((part) => (part.length < 24 ? [part] : Array.from({ length: part.length - 15 }, (_, i) => part.slice(i, i + 16))));
    if (all.includes(secret) || windows.some((window) => all.includes(window))) found.push(label);
  }
  return found;
}

/** The scenario: its own administrator and TOKEN_SECRET, every request through `send`, every secret noted. */
class Scenario {
  readonly admin = { username: uniqueName("root"), password: random("admin-password") };
  readonly vars: Vars = { ADMIN_USERNAME: this.admin.username, ADMIN_PASSWORD: this.admin.password, TOKEN_SECRET: random("token-secret") };
  readonly adminBasic = basic(this.admin.username, this.admin.password);
  readonly secrets = new Map<string, string>();
  /** Every answer: "METHOD path status". */
  readonly answers: string[] = [];

  constructor() {
    this.note("ADMIN_PASSWORD", this.admin.password, this.vars.TOKEN_SECRET!, this.adminBasic);
  }

  note(label: string, ...values: (string | null | undefined)[]): void {
    for (const value of values) if (value && !this.secrets.has(value)) this.secrets.set(value, label);
  }

  /** A request with the scenario's configuration; secrets in the answer (tokens, secrets, codes, cookies) are noted. */
  async send(path: string, init: RequestInit = {}, vars: Vars = {}): Promise<Response> {
    const authorization = new Headers(init.headers).get("Authorization");
    this.note("Authorization header", authorization, authorization?.replace(/^\w+ /, ""));
    const response = await call(path, init, { ...this.vars, ...vars });
    this.answers.push(`${init.method ?? "GET"} ${path.split("?")[0]} ${response.status}`);
    return this.harvest(response);
  }

  async harvest(response: Response): Promise<Response> {
    for (const line of response.headers.getSetCookie()) this.note("cookie", /^[^=]+=([^;]*)/.exec(line)?.[1]);
    const location = response.headers.get("Location");
    if (location) this.note("authorization code", new URL(location, "https://x.example").searchParams.get("code"));
    if ((response.headers.get("Content-Type") ?? "").includes("json")) {
      const body = await response.clone().json<Record<string, unknown>>().catch(() => ({}) as Record<string, unknown>);
      for (const field of ["access_token", "refresh_token", "id_token", "client_secret"]) this.note(field, body[field] as string | undefined);
    }
    return response;
  }

  form(path: string, params: Record<string, string>, authorization?: string, vars: Vars = {}): Promise<Response> {
    for (const name of ["password", "client_secret", "refresh_token", "token", "code", "code_verifier"]) this.note(`form ${name}`, params[name]);
    return this.send(path, { method: "POST", headers: { ...FORM_TYPE, ...(authorization ? { Authorization: authorization } : {}) }, body: form(params) }, vars);
  }

  json(path: string, method: string, body?: unknown, type = "application/json"): Promise<Response> {
    return this.send(path, { method, headers: { Authorization: this.adminBasic, "Content-Type": type }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  async register(metadata: Record<string, unknown>): Promise<{ id: string; secret: string | null; authorization: string }> {
    const response = await this.json("/api/identity/oauth2/dcr/v1.1/register", "POST", { client_name: "logs", ...metadata });
    expect(response.status).toBe(201);
    const { client_id, client_secret } = await response.json<{ client_id: string; client_secret?: string }>();
    return { id: client_id, secret: client_secret ?? null, authorization: client_secret ? basic(client_id, client_secret) : "" };
  }

  async createUser(userName: string, password: string): Promise<string> {
    this.note("user password", password);
    const response = await this.json("/scim2/Users", "POST", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, password }, "application/scim+json");
    expect(response.status).toBe(201);
    return (await response.json<{ id: string }>()).id;
  }

  async tokens(response: Response): Promise<{ access_token: string; refresh_token?: string; id_token?: string }> {
    if (response.status !== 200) throw new Error(`expected tokens, got ${response.status} ${await response.text()}`);
    return response.json();
  }
}

async function fullScenario(s: Scenario): Promise<void> {
  const REGISTER = "/api/identity/oauth2/dcr/v1.1/register";
  const client = await s.register({ grant_types: ["password", "client_credentials", "refresh_token"] });
  const jwtClient = await s.register({ grant_types: ["password", "refresh_token"], access_token_format: "jwt" });
  const registered = await s.register({ grant_types: ["authorization_code", "refresh_token"], redirect_uris: ["https://app.example/cb"], token_endpoint_auth_method: "none" });
  const codeClient: CodeClient = { id: registered.id, secret: null, redirectUri: "https://app.example/cb" };
  const userName = uniqueName("logs");
  const password = random("user-password");
  const userId = await s.createUser(userName, password);
  const wrong = random("wrong-password");
  s.note("wrong password", wrong);

  // Failing admin requests: wrong admin password, malformed and form bodies that carry secrets, a duplicate user.
  await s.send(REGISTER, { method: "POST", headers: { Authorization: basic(s.admin.username, wrong), "Content-Type": "application/json" }, body: "{}" });
  await s.send(REGISTER, { method: "POST", headers: { Authorization: s.adminBasic, "Content-Type": "application/json" }, body: `{"client_secret":"${wrong}"` });
  await s.send(`${REGISTER}/${client.id}/secret`, { method: "POST", headers: { Authorization: s.adminBasic, ...FORM_TYPE }, body: form({ password: wrong }) });
  await s.json("/scim2/Users", "POST", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, password: wrong }, "application/scim+json");
  await s.send("/scim2/Users", { method: "POST", headers: { Authorization: s.adminBasic, "Content-Type": "application/scim+json" }, body: `{"password":"${wrong}"` });

  // Every grant, and failing token requests of each kind.
  const pair = await s.tokens(await s.form("/oauth2/token", { grant_type: "password", username: userName, password, scope: "logs" }, client.authorization));
  await s.tokens(await s.form("/oauth2/token", { grant_type: "password", username: s.admin.username, password: s.admin.password, scope: "logs" }, client.authorization));
  await s.tokens(await s.form("/oauth2/token", { grant_type: "client_credentials", scope: "logs" }, client.authorization));
  const jwtPair = await s.tokens(await s.form("/oauth2/token", { grant_type: "password", username: userName, password }, jwtClient.authorization));
  const renewed = await s.tokens(await s.form("/oauth2/token", { grant_type: "refresh_token", refresh_token: pair.refresh_token! }, client.authorization));
  await s.tokens(await s.form("/oauth2/token", { grant_type: "refresh_token", refresh_token: jwtPair.refresh_token! }, jwtClient.authorization));
  await s.form("/oauth2/token", { grant_type: "password", username: userName, password: wrong }, client.authorization);
  await s.form("/oauth2/token", { grant_type: "password", username: uniqueName("nobody"), password: wrong }, client.authorization);
  await s.form("/oauth2/token", { grant_type: "password", username: s.admin.username, password: wrong }, client.authorization);
  await s.form("/oauth2/token", { grant_type: "client_credentials" }, basic(client.id, wrong));
  await s.form("/oauth2/token", { grant_type: "client_credentials", client_id: client.id, client_secret: wrong });
  await s.form("/oauth2/token", { grant_type: "refresh_token", refresh_token: pair.refresh_token! }, client.authorization); // rotated: reuse
  await s.form("/oauth2/token", { grant_type: "refresh_token", refresh_token: random("made-up-refresh") }, client.authorization);
  await s.form("/oauth2/token", { grant_type: "urn:x:unknown", password: wrong }, client.authorization);
  await s.send("/oauth2/token", { method: "POST", headers: { ...FORM_TYPE, Authorization: client.authorization }, body: `password=${wrong}&x=${"y".repeat(70_000)}` });

  // The code flow with PKCE through the login and consent pages, a wrong login, a replay, a wrong verifier.
  const browser = new TestBrowser(s.vars);
  const stranger = new TestBrowser(s.vars);
  const login = await s.harvest(await stranger.authorize({ response_type: "code", client_id: codeClient.id, redirect_uri: codeClient.redirectUri, scope: "openid", code_challenge: "x".repeat(43), code_challenge_method: "S256" }));
  await s.harvest(await stranger.submit(login, { username: userName, password: wrong }));
  const flow = await authorizeCode(browser, { userName, password }, codeClient, { scope: "openid photos", nonce: random("nonce") });
  s.note("code / verifier", flow.code, flow.verifier);
  const codeTokens = await s.tokens(await s.harvest(await exchangeCode(codeClient, flow.code, flow.verifier, {}, s.vars)));
  await s.send("/oauth2/userinfo", { headers: { Authorization: `Bearer ${codeTokens.access_token}` } });
  await s.tokens(await s.harvest(await refreshCodeTokens(codeClient, codeTokens.refresh_token!, {}, s.vars)));
  await s.harvest(await exchangeCode(codeClient, flow.code, flow.verifier, {}, s.vars)); // replay
  const second = await authorizeCode(browser, { userName, password }, codeClient);
  s.note("code / verifier", second.code, second.verifier);
  await s.harvest(await exchangeCode(codeClient, second.code, random("wrong-verifier"), {}, s.vars));
  for (const value of [...browser.cookies.values(), ...stranger.cookies.values()]) s.note("cookie", value);

  // Introspection (admin, client, strong mode, wrong credentials) and revocation (own, another client's, wrong secret).
  await s.form("/oauth2/introspect", { token: renewed.access_token }, s.adminBasic);
  await s.form("/oauth2/introspect", { token: renewed.refresh_token ?? renewed.access_token, token_type_hint: "refresh_token" }, client.authorization, { INTROSPECTION_CONSISTENCY: "strong" });
  await s.form("/oauth2/introspect", { token: renewed.access_token }, basic(s.admin.username, wrong));
  await s.form("/oauth2/revoke", { token: jwtPair.access_token }, client.authorization);
  await s.form("/oauth2/revoke", { token: renewed.access_token }, basic(client.id, wrong));
  await s.form("/oauth2/revoke", { token: renewed.access_token }, client.authorization);
  await s.send("/oauth2/userinfo", { headers: { Authorization: `Bearer ${renewed.access_token}` } });

  // KV down during issue, revocation and a secret rotation: the outbox logs its retries.
  const status = recordKv("TOKEN_STATUS");
  status.kv.failing = true;
  const outage = await s.form("/oauth2/token", { grant_type: "password", username: userName, password, scope: "outage" }, client.authorization);
  const outageTokens = outage.status === 200 ? await s.tokens(outage) : null;
  if (outageTokens) await s.form("/oauth2/revoke", { token: outageTokens.access_token }, client.authorization);
  status.kv.failing = false;
  await runDurableObjectAlarm(grantStub({ clientId: client.id, username: userName, scope: "outage" }));
  status.restore();
  const cache = recordKv("REGISTRY_CACHE");
  cache.kv.failing = true;
  const rotation = await s.json(`${REGISTER}/${client.id}/secret`, "POST");
  cache.kv.failing = false;
  await runDurableObjectAlarm(bindings.REGISTRY.getByName("registry"));
  cache.restore();
  const rotated = { ...client, authorization: basic(client.id, (await rotation.json<{ client_secret: string }>()).client_secret) };
  s.note("Authorization header", rotated.authorization);
  await s.form("/oauth2/token", { grant_type: "client_credentials" }, client.authorization); // the old secret
  await s.tokens(await s.form("/oauth2/token", { grant_type: "client_credentials" }, rotated.authorization));
  await s.send("/api/signing-keys/rotate", { method: "POST", headers: { Authorization: s.adminBasic, "X-Requested-With": "test" } });
  await s.send("/api/signing-keys/rotate", { method: "POST", headers: { Authorization: s.adminBasic } }); // CSRF refusal

  // The registry object failing on the token path (503).
  const registryDown = vi.spyOn(RegistryObject.prototype, "findUserByName").mockRejectedValue(new Error("simulated registry outage"));
  try {
    await s.form("/oauth2/token", { grant_type: "password", username: uniqueName("absent"), password: wrong }, rotated.authorization);
  } finally {
    registryDown.mockRestore();
  }

  // SCIM: a new password, the old one refused, the user deleted, the client deleted.
  const newPassword = random("new-password");
  s.note("user password", newPassword);
  const patch = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "password", value: newPassword }] };
  expect((await s.json(`/scim2/Users/${userId}`, "PATCH", patch, "application/scim+json")).status).toBe(200);
  await s.form("/oauth2/token", { grant_type: "password", username: userName, password }, rotated.authorization);
  await s.tokens(await s.form("/oauth2/token", { grant_type: "password", username: userName, password: newPassword }, rotated.authorization));
  expect((await s.json(`/scim2/Users/${userId}`, "DELETE", undefined, "application/scim+json")).status).toBe(204);
  expect((await s.json(`${REGISTER}/${client.id}`, "DELETE")).status).toBe(204);
  await s.form("/oauth2/token", { grant_type: "client_credentials" }, rotated.authorization);
}

describe("secrets never in logs (issue 12)", () => {
  it("a full scenario logs no secret, password, token, code, cookie or code_verifier", async () => {
    const s = new Scenario();
    const captured = captureConsole();
    try {
      await fullScenario(s);
    } finally {
      captured.restore();
    }
    // The capture sees the Durable Objects' logs too: the outbox logged the outage's failed writes.
    expect(captured.output.join("\n")).toContain("queued for retry");
    expect(s.secrets.size).toBeGreaterThan(30);
    for (const label of ["access_token", "refresh_token", "id_token", "client_secret", "cookie", "code / verifier", "user password"]) {
      expect([...s.secrets.values()]).toContain(label);
    }
    // Every failing request failed as a client error; only the registry outage is a 503.
    expect(s.answers.filter((answer) => / 5\d\d$/.test(answer))).toEqual(["POST /oauth2/token 503"]);
    expect(leaks(captured.output, s.secrets)).toEqual([]);
  });

  it("the search finds a logged secret, whole, truncated or inside an object or an error", () => {
    const token = random("token");
    const secrets = new Map([[token, "a token"]]);
    for (const logged of [token, { nested: { token } }, new Error(`bad token ${token}`), token.slice(3, 25)]) {
      const captured = captureConsole();
      try {
        console.info("request:", logged);
      } finally {
        captured.restore();
      }
      expect(leaks(captured.output, secrets)).toEqual(["a token"]);
    }
  });
});
