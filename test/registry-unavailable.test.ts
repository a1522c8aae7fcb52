import { describe, expect, it, vi } from "vitest";
import { RegistryObject } from "../src/registry/registry-object";
import { call, form, FORM_TYPE } from "./helpers/http";
import { bindings, createUser, isActive, passwordParams, registerClient, token, tokenRequest, uniqueName, userParams, type TestClient } from "./helpers/oauth";

/**
 * SPEC §14, overload and faults: when the registry Durable Object fails on the token hot path
 * (the fall-back reads behind a KV miss), the answer is `503 temporarily_unavailable` with
 * `Retry-After`, never a 500 — whether the runtime marks the error retryable (a reset), as an
 * overload, or not at all (any exception of the object).
 */

/** Errors as the runtime raises them for a Durable Object: reset, overload, and a plain exception (logged: it may be a bug). */
const FAULTS: Record<string, { fault: () => Error; logged: boolean }> = {
  reset: { fault: () => Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true }), logged: false },
  overloaded: { fault: () => Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), { overloaded: true }), logged: false },
  "any other error": { fault: () => new TypeError("simulated failure inside the registry object"), logged: true },
};

/** Runs `action` while the registry object's `method` rejects with `fault`; restored whatever happens. */
async function whileRegistryFails<T>(
  method: "findClient" | "findUserByName",
  fault: () => Error,
  action: () => Promise<T>,
): Promise<{ result: T; calls: number; logged: string[] }> {
  const spy = vi.spyOn(RegistryObject.prototype, method).mockImplementation(() => {
    throw fault();
  });
  const logged: string[] = [];
  const quiet = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
  try {
    const result = await action();
    return { result, calls: spy.mock.calls.length, logged };
  } finally {
    spy.mockRestore();
    quiet.mockRestore();
  }
}

async function expectUnavailable(response: Response, shape: "json" | "page" = "json"): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
  if (shape === "json") expect(await response.json()).toMatchObject({ error: "temporarily_unavailable" });
}

/** A registered client this location's KV does not know yet (its projection not seen here): the hot path asks the registry. */
async function clientMissingFromKv(): Promise<TestClient> {
  const client = await registerClient();
  await bindings.REGISTRY_CACHE.delete(`c:${client.id}`);
  return client;
}

describe("registry errors on the token hot path answer 503, not 500", () => {
  for (const [kind, { fault, logged: isLogged }] of Object.entries(FAULTS)) {
    it(`client lookup (${kind}): token, introspection and revocation answer 503 with Retry-After`, async () => {
      const client = await clientMissingFromKv();
      const { calls, logged } = await whileRegistryFails("findClient", fault, async () => {
        await expectUnavailable(await tokenRequest(client, { grant_type: "client_credentials" }));
        await expectUnavailable(await call("/oauth2/revoke", { method: "POST", headers: { ...FORM_TYPE, Authorization: client.authorization }, body: form({ token: "x" }) }));
        const introspection = await call("/oauth2/introspect", { method: "POST", headers: { ...FORM_TYPE, Authorization: client.authorization }, body: form({ token: "x" }) });
        await expectUnavailable(introspection);
      });
      expect(calls).toBeGreaterThanOrEqual(3);
      // Never as an unexpected (500) error; an error the runtime does not mark transient is logged by class and message.
      expect(logged.filter((line) => line.includes("unexpected error"))).toEqual([]);
      expect(logged.some((line) => line.includes("registry read failed: TypeError: simulated failure"))).toBe(isLogged);
      // Once the registry answers again, the same client works: the failure was not cached as "unknown".
      expect((await tokenRequest(client, { grant_type: "client_credentials" })).status).toBe(200);
    });

    it(`user lookup (${kind}): the password grant answers 503 with Retry-After`, async () => {
      const client = await registerClient();
      const userName = uniqueName("down");
      await createUser(userName, "a password");
      await bindings.REGISTRY_CACHE.delete(`u:${userName}`);
      const { calls } = await whileRegistryFails("findUserByName", fault, async () => {
        await expectUnavailable(await tokenRequest(client, userParams(userName, "a password")));
        await expectUnavailable(await tokenRequest(client, userParams(uniqueName("nobody"), "whatever")));
      });
      expect(calls).toBe(2);
      expect((await tokenRequest(client, userParams(userName, "a password"))).status).toBe(200);
    });
  }

  it("the authorization page shows a 503 page, not a 500", async () => {
    const client = await registerClient(["authorization_code"], { redirect_uris: ["https://app.example/cb"], token_endpoint_auth_method: "none" });
    await bindings.REGISTRY_CACHE.delete(`c:${client.id}`);
    const { result } = await whileRegistryFails("findClient", FAULTS["any other error"]!.fault, () =>
      call(`/oauth2/authorize?${new URLSearchParams({ response_type: "code", client_id: client.id, redirect_uri: "https://app.example/cb", code_challenge: "x".repeat(43), code_challenge_method: "S256" })}`),
    );
    expect(result.status).toBe(503);
    expect(result.headers.get("Content-Type")).toMatch(/^text\/html/);
  });

  it("tokens already issued are unaffected: KV answers, the registry is not asked", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("registry-down"));
    const { calls } = await whileRegistryFails("findClient", FAULTS.overloaded!.fault, async () => {
      expect(await isActive(issued.access_token)).toBe(true);
      expect((await tokenRequest(client, passwordParams("registry-down"))).status).toBe(200);
    });
    expect(calls).toBe(0);
  });
});
