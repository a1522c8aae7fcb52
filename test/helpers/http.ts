import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import type { Env } from "../../src/env";

export const ORIGIN = "https://auth.example";
export const ADMIN_BASIC = `Basic ${btoa("admin:admin")}`;

/** Configuration variables a test may override (SPEC §3). */
export type Vars = Partial<Pick<Env, Exclude<keyof Env, "GRANTS" | "REGISTRY" | "TOKEN_STATUS" | "REGISTRY_CACHE">>>;

/** Sends a request through the Worker's own fetch handler, with the bindings of this test run. */
export async function call(path: string, init: RequestInit = {}, vars: Vars = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ORIGIN}${path}`, init), { ...(env as Env), ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export function basic(id: string, secret: string): string {
  return `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;
}

export const FORM_TYPE = { "Content-Type": "application/x-www-form-urlencoded" };
