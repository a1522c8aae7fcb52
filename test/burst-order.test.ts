import { describe, expect, it } from "vitest";
import { isActive, passwordParams, registerClient, tokenRequest, type TokenBody } from "./helpers/oauth";

describe("answer order under a large burst (SPEC §2, issue 12)", () => {
  it("300 simultaneous requests for one key (renewal on): exactly one token stays active, and it is the one answered last", async () => {
    const client = await registerClient();
    const order: TokenBody[] = [];
    await Promise.all(
      Array.from({ length: 300 }, async () => {
        const response = await tokenRequest(client, passwordParams("big-burst"));
        expect(response.status).toBe(200);
        const body = await response.json<TokenBody>();
        order.push(body); // in the order the answers arrived
      }),
    );
    const live = await Promise.all(order.map((body) => isActive(body.access_token)));
    expect(live.filter(Boolean)).toHaveLength(1);
    expect(live[live.length - 1]).toBe(true);
  });
});
