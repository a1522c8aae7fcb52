import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseOpaqueToken } from "../src/tokens/opaque";
import { ADMIN_BASIC, call } from "./helpers/http";
import { recordKv } from "./helpers/kv";
import { bindings, isActive, passwordParams, refreshed, registerClient, revokeRequest, token } from "./helpers/oauth";

/** The grant object that owns a token, found from the token itself. */
function ownerOf(tokenValue: string) {
  return bindings.GRANTS.get(bindings.GRANTS.idFromString(parseOpaqueToken(tokenValue)!.grantId));
}

describe("KV failing (e.g. 429) loses no revocation (SPEC §14)", () => {
  it("during a refresh: the old access token's revocation is queued and lands when KV is back", async () => {
    const client = await registerClient();
    const first = await token(client, passwordParams("outage-refresh"));
    const kv = recordKv("TOKEN_STATUS");
    kv.kv.failing = true;
    const next = await refreshed(client, first.refresh_token!);
    expect(await isActive(first.access_token)).toBe(true); // its revocation record could not be written yet
    kv.kv.failing = false;
    expect(await runDurableObjectAlarm(ownerOf(first.access_token))).toBe(true);
    expect(await isActive(first.access_token)).toBe(false);
    expect(await isActive(next.access_token)).toBe(true);
  });

  it("during a revocation: 200 at once, and the revocation record lands when KV is back", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("outage-revoke"));
    const kv = recordKv("TOKEN_STATUS");
    kv.kv.failing = true;
    expect((await revokeRequest(client, issued.access_token)).status).toBe(200);
    kv.kv.failing = false;
    expect(await runDurableObjectAlarm(ownerOf(issued.access_token))).toBe(true);
    expect(await isActive(issued.access_token)).toBe(false);
    expect(await isActive(issued.refresh_token!, {}, "refresh_token")).toBe(false);
  });

  it("during a credential change: the fan-out's revocations are queued in each grant object and land later", async () => {
    const client = await registerClient();
    const issued = await token(client, passwordParams("outage-rotate"));
    const kv = recordKv("TOKEN_STATUS");
    kv.kv.failing = true;
    const rotated = await call(`/api/identity/oauth2/dcr/v1.1/register/${client.id}/secret`, {
      method: "POST",
      headers: { Authorization: ADMIN_BASIC, "Content-Type": "application/json" },
    });
    expect(rotated.status).toBe(200);
    expect(await isActive(issued.access_token, { INTROSPECTION_CONSISTENCY: "strong" })).toBe(false); // the object knows at once
    kv.kv.failing = false;
    expect(await runDurableObjectAlarm(ownerOf(issued.access_token))).toBe(true);
    expect(await isActive(issued.access_token)).toBe(false); // and KV too, once it accepts writes again
  });
});
