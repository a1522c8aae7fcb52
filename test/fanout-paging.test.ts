import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { GrantObject } from "../src/grant-object/grant-object";
import { FANOUT_PAGE } from "../src/registry/revocation-fanout";
import { ADMIN_BASIC, call } from "./helpers/http";
import { bindings, isActive, registerClient, token } from "./helpers/oauth";

describe("the credential-change fan-out is paged (SPEC §14)", () => {
  it(`a client with more than a page (${FANOUT_PAGE}) of keys: the admin request answers after one page, the alarm revokes the rest`, async () => {
    const client = await registerClient(["client_credentials"]);
    const issued = await Promise.all(
      Array.from({ length: FANOUT_PAGE + 20 }, (_, i) => token(client, { grant_type: "client_credentials", scope: `k${i}` })),
    );
    const revokeAll = vi.spyOn(GrantObject.prototype, "revokeAll"); // calls through
    try {
      const rotated = await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}/secret`, {
        method: "POST",
        headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
      });
      expect(rotated.status).toBe(200);
      // The admin request answered after one page; the rest waits for the registry's alarm.
      expect(revokeAll).toHaveBeenCalledTimes(FANOUT_PAGE);
      expect(await runDurableObjectAlarm(bindings.REGISTRY.getByName("registry"))).toBe(true);
      expect(revokeAll).toHaveBeenCalledTimes(FANOUT_PAGE + 20);
    } finally {
      revokeAll.mockRestore();
    }
    const strong = { INTROSPECTION_CONSISTENCY: "strong" };
    const after = await Promise.all(issued.map((t) => isActive(t.access_token, strong)));
    expect(after.filter(Boolean)).toHaveLength(0);
  });
});
