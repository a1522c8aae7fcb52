import { env } from "cloudflare:test";
import type { Env } from "../../src/env";
import { ADMIN_BASIC, basic, call, form, FORM_TYPE, type Vars } from "./http";

export interface TestClient {
  id: string;
  secret: string;
  authorization: string;
}

export interface TokenBody {
  access_token: string;
  refresh_token?: string;
  scope: string;
  token_type: string;
  expires_in: number;
}

export const bindings = env as Env;

export async function registerClient(
  grantTypes: string[] = ["password", "client_credentials", "refresh_token"],
  extra: Record<string, unknown> = {},
): Promise<TestClient> {
  const response = await call("/api/identity/oauth2/dcr/v1.1/register", {
    method: "POST",
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "test app", grant_types: grantTypes, ...extra }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const body = await response.json<{ client_id: string; client_secret: string }>();
  return { id: body.client_id, secret: body.client_secret, authorization: basic(body.client_id, body.client_secret) };
}

export function tokenRequest(client: TestClient, params: Record<string, string>, vars: Vars = {}): Promise<Response> {
  return call(
    "/oauth2/token",
    { method: "POST", headers: { Authorization: client.authorization, ...FORM_TYPE }, body: form(params) },
    vars,
  );
}

/** A token request that must succeed. */
export async function token(client: TestClient, params: Record<string, string>, vars: Vars = {}): Promise<TokenBody> {
  const response = await tokenRequest(client, params, vars);
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return response.json<TokenBody>();
}

export const passwordParams = (scope?: string): Record<string, string> => ({
  grant_type: "password",
  username: "admin",
  password: "admin",
  ...(scope === undefined ? {} : { scope }),
});

export async function introspect(
  tokenValue: string,
  options: { authorization?: string; hint?: string; vars?: Vars } = {},
): Promise<Record<string, unknown>> {
  const response = await call(
    "/oauth2/introspect",
    {
      method: "POST",
      headers: { Authorization: options.authorization ?? ADMIN_BASIC, ...FORM_TYPE },
      body: form({ token: tokenValue, ...(options.hint ? { token_type_hint: options.hint } : {}) }),
    },
    options.vars,
  );
  if (response.status !== 200) throw new Error(`introspection failed: ${response.status} ${await response.text()}`);
  return response.json<Record<string, unknown>>();
}

export function refreshRequest(client: TestClient, refreshToken: string, extra: Record<string, string> = {}, vars: Vars = {}) {
  return tokenRequest(client, { grant_type: "refresh_token", refresh_token: refreshToken, ...extra }, vars);
}

/** A refresh that must succeed. */
export async function refreshed(
  client: TestClient,
  refreshToken: string,
  extra: Record<string, string> = {},
  vars: Vars = {},
): Promise<TokenBody> {
  const response = await refreshRequest(client, refreshToken, extra, vars);
  if (response.status !== 200) throw new Error(`refresh failed: ${response.status} ${await response.text()}`);
  return response.json<TokenBody>();
}

export function revokeRequest(client: TestClient, tokenValue: string, hint?: string): Promise<Response> {
  return call("/oauth2/revoke", {
    method: "POST",
    headers: { Authorization: client.authorization, ...FORM_TYPE },
    body: form({ token: tokenValue, ...(hint ? { token_type_hint: hint } : {}) }),
  });
}

export async function isActive(tokenValue: string, vars: Vars = {}, hint?: string): Promise<boolean> {
  return (await introspect(tokenValue, { vars, ...(hint ? { hint } : {}) })).active === true;
}

const SCIM_HEADERS = { Authorization: ADMIN_BASIC, "Content-Type": "application/scim+json" };

export function scim(path: string, method: string, body?: unknown): Promise<Response> {
  return call(`/scim2/Users${path}`, { method, headers: SCIM_HEADERS, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** Creates a SCIM user that must succeed; returns its id. */
export async function createUser(userName: string, password: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await scim("", "POST", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, password, ...extra });
  if (response.status !== 201) throw new Error(`user creation failed: ${response.status} ${await response.text()}`);
  return (await response.json<{ id: string }>()).id;
}

export const userParams = (username: string, password: string, scope?: string): Record<string, string> => ({
  grant_type: "password",
  username,
  password,
  ...(scope === undefined ? {} : { scope }),
});

let unique = 0;
/** A userName no other test in the file uses. */
export function uniqueName(prefix = "user"): string {
  unique += 1;
  return `${prefix}${unique}-${crypto.randomUUID().slice(0, 8)}`;
}
