import { describe, expect, it } from "vitest";
import { grantObjectName, type GrantKey } from "../src/grant-object/key";
import { sha256 } from "../src/tokens/hash";
import { ADMIN_BASIC, basic, call } from "./helpers/http";
import { bindings, isActive, passwordParams, registerClient, revokeRequest, token, type TestClient } from "./helpers/oauth";

/**
 * Issue 12, stale credentials at other edges: after a secret rotation the old secret may still
 * authenticate for ~60 s where KV has not seen the new projection. Grant objects refuse to issue
 * under the older client epoch (the fence); revocation must be refused the same way, or the old
 * secret could revoke the tokens the client got with its new one.
 */

const STRONG = { INTROSPECTION_CONSISTENCY: "strong" };

async function rotateSecret(client: TestClient): Promise<TestClient> {
  const response = await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}/secret`, {
    method: "POST",
    headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
  });
  expect(response.status).toBe(200);
  const { client_secret } = await response.json<{ client_secret: string }>();
  return { ...client, secret: client_secret, authorization: basic(client.id, client_secret) };
}

/** Sends a revocation straight to the key's grant object, as a Worker that authenticated the client under `clientEpoch` would. */
async function revokeAsIfAuthenticatedAt(key: GrantKey, clientId: string, clientEpoch: number, tokenValue: string) {
  return bindings.GRANTS.getByName(grantObjectName(key)).revokeToken({ tokenHash: await sha256(tokenValue), clientId, clientEpoch });
}

async function expectAlive(issued: { access_token: string; refresh_token?: string }) {
  expect(await isActive(issued.access_token)).toBe(true);
  expect(await isActive(issued.access_token, STRONG)).toBe(true);
  expect(await isActive(issued.refresh_token!, STRONG, "refresh_token")).toBe(true);
}

/** Runs `action` while this location's KV projection still holds the client as it was (`stale`). */
async function atAStaleEdge<T>(clientId: string, stale: string, action: () => Promise<T>): Promise<T> {
  const key = `c:${clientId}`;
  const current = await bindings.REGISTRY_CACHE.get(key, "text");
  await bindings.REGISTRY_CACHE.put(key, stale);
  try {
    return await action();
  } finally {
    await bindings.REGISTRY_CACHE.put(key, current!);
  }
}

describe("revocation under stale client credentials (the fence)", () => {
  it("a grant object refuses a revocation authenticated before the rotation, and keeps the new tokens", async () => {
    const client = await registerClient();
    const key = { clientId: client.id, username: "admin", scope: "revoke-fence" };
    await token(client, passwordParams("revoke-fence"));
    const rotated = await rotateSecret(client); // epoch 1 → 2; the fan-out raised the object's fence
    const fresh = await token(rotated, passwordParams("revoke-fence"));

    for (const value of [fresh.access_token, fresh.refresh_token!]) {
      expect(await revokeAsIfAuthenticatedAt(key, client.id, 1, value)).toMatchObject({ ok: false, error: "invalid_client" });
    }
    await expectAlive(fresh);

    // Under the current epoch the same revocation is done.
    expect(await revokeAsIfAuthenticatedAt(key, client.id, 2, fresh.access_token)).toEqual({ ok: true, value: "revoked" });
    expect(await isActive(fresh.access_token, STRONG)).toBe(false);
    expect(await isActive(fresh.refresh_token!, STRONG, "refresh_token")).toBe(false);
  });

  it("over HTTP at an edge whose KV still has the old secret: the old secret cannot revoke, the new one can", async () => {
    const client = await registerClient();
    await token(client, passwordParams("stale-edge"));
    const stale = (await bindings.REGISTRY_CACHE.get(`c:${client.id}`, "text"))!;
    const rotated = await rotateSecret(client);
    const fresh = await token(rotated, passwordParams("stale-edge"));

    await atAStaleEdge(client.id, stale, async () => {
      // The stale projection still authenticates the old secret here (what the fence is for) …
      const issue = await call("/oauth2/token", {
        method: "POST",
        headers: { Authorization: client.authorization, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(passwordParams("stale-edge")).toString(),
      });
      expect(await issue.json()).toMatchObject({ error: "invalid_client" });
      // … and its revocations are refused like its issue, changing nothing.
      for (const [value, hint] of [[fresh.access_token, "access_token"], [fresh.refresh_token!, "refresh_token"]] as const) {
        const response = await revokeRequest(client, value, hint);
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: "invalid_client" });
      }
    });
    await expectAlive(fresh);

    expect((await revokeRequest(rotated, fresh.refresh_token!, "refresh_token")).status).toBe(200);
    expect(await isActive(fresh.access_token, STRONG)).toBe(false);
  });

  it("the fence is the object's own client's: another client's epoch answers unauthorized_client, not invalid_client", async () => {
    const owner = await registerClient();
    const key = { clientId: owner.id, username: "admin", scope: "other-client" };
    await token(owner, passwordParams("other-client"));
    const rotated = await rotateSecret(await rotateSecret(owner)); // the object's fence is at epoch 3
    const fresh = await token(rotated, passwordParams("other-client"));
    const other = await registerClient(); // epoch 1

    expect(await revokeAsIfAuthenticatedAt(key, other.id, 1, fresh.access_token)).toMatchObject({ ok: false, error: "unauthorized_client" });
    expect((await revokeRequest(other, fresh.access_token)).status).toBe(400);
    await expectAlive(fresh);
  });
});
